"""Independent NumPy references for the ``ssm`` and ``lm`` dialects.

`ops` holds one function per operation (the numerics tests' oracle, computed in float64);
`tensor_pb` reads and writes serialized ONNX TensorProto files without the ``onnx`` package.
"""

from . import ops, tensor_pb

__all__ = ["ops", "tensor_pb"]
