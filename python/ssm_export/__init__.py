"""Exporters and test-fixture generators for state-space and hybrid language models.

`fixtures` exports tiny random-weight Hugging Face models to ONNX and writes them, with
torch's reference outputs, in ONNX's node-test layout for the importer's test suite.
"""
