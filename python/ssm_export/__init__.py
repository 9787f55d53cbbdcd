"""Exporters and test-fixture generators for state-space and hybrid language models.

`export` writes a Hugging Face Mamba, Mamba-2 or hybrid model to ONNX with the `ssm` domain's
ops (`ops` defines them as torch custom ops with their ONNX translations). `fixtures` exports
tiny random-weight Hugging Face models to ONNX with standard ops only and writes them, with
torch's reference outputs, in ONNX's node-test layout for the importer's test suite.
"""
