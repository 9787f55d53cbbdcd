"""Serialized ONNX ``TensorProto`` files without the ``onnx`` package.

The protobuf wire format is decoded directly: a message is a sequence of fields, each a
varint key ``(field_number << 3) | wire_type`` followed by a varint (wire type 0), 8 bytes
(1), a length-prefixed byte string (2) or 4 bytes (5). The TensorProto fields used here:

====  ==============  ======================================================
 #    name            content
====  ==============  ======================================================
 1    dims            repeated int64 (packed or not)
 2    data_type       int32 (the codes in `DTYPES`)
 4    float_data      repeated float: float32
 5    int32_data      repeated int32: int32, int16, int8, uint16, uint8, bool, and the
                      bit patterns of float16 and bfloat16
 7    int64_data      repeated int64: int64
 8    name            string
 9    raw_data        bytes, little-endian, one element after another
10    double_data     repeated double: float64
11    uint64_data     repeated uint64: uint32, uint64
14    data_location   enum: 1 (EXTERNAL) is rejected, the data is elsewhere
====  ==============  ======================================================

NumPy has no bfloat16: bf16 tensors are read as float32 arrays (each bf16 value is exactly
a float32) and written from float32 values rounded to nearest, ties to even.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

__all__ = [
    "DTYPES",
    "Tensor",
    "parse_tensor",
    "read_tensor",
    "serialize_tensor",
    "to_bf16",
    "write_tensor",
]

# Short dtype name -> (ONNX TensorProto.DataType code, NumPy dtype of the array we hold).
DTYPES: dict[str, tuple[int, np.dtype]] = {
    "f32": (1, np.dtype(np.float32)),
    "u8": (2, np.dtype(np.uint8)),
    "i8": (3, np.dtype(np.int8)),
    "u16": (4, np.dtype(np.uint16)),
    "i16": (5, np.dtype(np.int16)),
    "i32": (6, np.dtype(np.int32)),
    "i64": (7, np.dtype(np.int64)),
    "bool": (9, np.dtype(np.bool_)),
    "f16": (10, np.dtype(np.float16)),
    "f64": (11, np.dtype(np.float64)),
    "u32": (12, np.dtype(np.uint32)),
    "u64": (13, np.dtype(np.uint64)),
    "bf16": (16, np.dtype(np.float32)),
}
_NAME_OF_CODE = {code: name for name, (code, _) in DTYPES.items()}
_NAME_OF_NUMPY = {npt: name for name, (_, npt) in DTYPES.items() if name != "bf16"}

# The typed field that may hold each dtype's data, and how its elements are encoded.
_FLOAT_DATA, _INT32_DATA, _INT64_DATA, _DOUBLE_DATA, _UINT64_DATA = 4, 5, 7, 10, 11
_TYPED_FIELD = {
    "f32": _FLOAT_DATA,
    "u8": _INT32_DATA,
    "i8": _INT32_DATA,
    "u16": _INT32_DATA,
    "i16": _INT32_DATA,
    "i32": _INT32_DATA,
    "bool": _INT32_DATA,
    "f16": _INT32_DATA,
    "bf16": _INT32_DATA,
    "i64": _INT64_DATA,
    "f64": _DOUBLE_DATA,
    "u32": _UINT64_DATA,
    "u64": _UINT64_DATA,
}
# Fixed-width encodings of packed typed fields: field -> (wire type of one element, format).
_FIXED_FIELDS = {_FLOAT_DATA: (5, "<f4"), _DOUBLE_DATA: (1, "<f8")}

_VARINT, _FIXED64, _LENGTH_DELIMITED, _FIXED32 = 0, 1, 2, 5
_EXTERNAL = 1


@dataclass(frozen=True, eq=False)
class Tensor:
    """A tensor read from a TensorProto: its name, short dtype name and values.

    ``array`` has the NumPy dtype of ``DTYPES[dtype]``; for ``'bf16'`` that is float32,
    holding the bf16 values exactly. Instances compare by identity (arrays have no single
    truth value); compare the fields.
    """

    name: str
    dtype: str
    array: np.ndarray


def to_bf16(x: np.ndarray) -> np.ndarray:
    """Rounds ``x`` to bfloat16 (nearest, ties to even) and returns the values as float32.

    ``x`` is first converted to float32. The bf16 value is the upper half of the float32 bit
    pattern after adding ``0x7FFF + (bit 16)`` to it; NaNs stay (quiet) NaNs and values
    beyond the largest bf16 round to +-inf.
    """
    return _bf16_values(_bf16_bits(x))


def _bf16_values(bits: np.ndarray) -> np.ndarray:
    """The float32 values of bfloat16 bit patterns (an integer array)."""
    flat = bits.reshape(-1).astype(np.uint32)  # 1-D: a 0-d array cannot change its itemsize
    return (flat << 16).view(np.float32).reshape(bits.shape)


def _bf16_bits(x: np.ndarray) -> np.ndarray:
    """The bfloat16 bit patterns (uint16) of ``x`` rounded to nearest, ties to even."""
    f32 = np.array(x, dtype=np.float32)
    flat = f32.reshape(-1)  # at least 1-D, so that the integer arithmetic stays on arrays
    bits = flat.view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    quiet_nan = ((bits >> 16) & 0x8000) | 0x7FC0
    return np.where(np.isnan(flat), quiet_nan, rounded).astype(np.uint16).reshape(f32.shape)


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    """Decodes the unsigned varint at ``pos``; returns it and the position after it."""
    value = 0
    for shift in range(0, 70, 7):
        if pos >= len(data):
            raise ValueError("malformed TensorProto: truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            if value >= 1 << 64:
                raise ValueError("malformed TensorProto: varint exceeds 64 bits")
            return value, pos
    raise ValueError("malformed TensorProto: varint longer than 10 bytes")


def _fields(data: bytes) -> list[tuple[int, int, int | bytes]]:
    """Splits a message into ``(field number, wire type, value)``.

    The value is an int for varints and the raw bytes otherwise.
    """
    fields: list[tuple[int, int, int | bytes]] = []
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise ValueError("malformed TensorProto: field number 0")
        if wire_type == _VARINT:
            value, pos = _read_varint(data, pos)
            fields.append((number, wire_type, value))
            continue
        if wire_type == _LENGTH_DELIMITED:
            size, pos = _read_varint(data, pos)
        elif wire_type in (_FIXED64, _FIXED32):
            size = 8 if wire_type == _FIXED64 else 4
        else:
            raise ValueError(f"malformed TensorProto: field {number} has wire type {wire_type}")
        if pos + size > len(data):
            raise ValueError(f"malformed TensorProto: field {number} runs past the end")
        fields.append((number, wire_type, data[pos : pos + size]))
        pos += size
    return fields


def _varints(data: bytes) -> list[int]:
    """Decodes a packed run of varints."""
    values: list[int] = []
    pos = 0
    while pos < len(data):
        value, pos = _read_varint(data, pos)
        values.append(value)
    return values


def _signed64(value: int) -> int:
    """Reinterprets a 64-bit varint as two's-complement (how int32/int64 fields encode)."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _typed_values(number: int, entries: list[tuple[int, int | bytes]]) -> np.ndarray:
    """The elements of typed field ``number`` from its occurrences ``(wire type, value)``.

    Varint fields give an int64 array (uint64 for field 11); fixed-width fields their
    floating values. Packed and unpacked occurrences may be mixed, as protobuf allows.
    """
    parts: list[np.ndarray] = []
    for wire_type, value in entries:
        if number in _FIXED_FIELDS:
            element_wire, fmt = _FIXED_FIELDS[number]
            if wire_type not in (element_wire, _LENGTH_DELIMITED):
                raise ValueError(
                    f"malformed TensorProto: field {number} has wire type {wire_type}"
                )
            assert isinstance(value, bytes)
            if len(value) % np.dtype(fmt).itemsize:
                raise ValueError(f"malformed TensorProto: packed field {number} is cut short")
            parts.append(np.frombuffer(value, dtype=fmt))
            continue
        if wire_type == _VARINT:
            ints = [value]
        elif wire_type == _LENGTH_DELIMITED:
            assert isinstance(value, bytes)
            ints = _varints(value)
        else:
            raise ValueError(f"malformed TensorProto: field {number} has wire type {wire_type}")
        if number == _UINT64_DATA:
            parts.append(np.array(ints, dtype=np.uint64))
        else:
            parts.append(np.array([_signed64(int(i)) for i in ints], dtype=np.int64))
    return np.concatenate(parts) if parts else np.zeros(0)


def _from_typed(dtype: str, values: np.ndarray) -> np.ndarray:
    """Converts the elements of a typed field to the array of ``dtype``."""
    if dtype == "bf16":
        return _bf16_values(values)
    if dtype == "f16":
        return values.astype(np.uint16).view(np.float16)
    if dtype == "bool":
        return values != 0
    return values.astype(DTYPES[dtype][1])


def _from_raw(dtype: str, raw: bytes, count: int) -> np.ndarray:
    """Converts little-endian ``raw_data`` of ``count`` elements to the array of ``dtype``."""
    stored = np.dtype(np.uint16) if dtype == "bf16" else DTYPES[dtype][1]
    if len(raw) != count * stored.itemsize:
        raise ValueError(
            f"malformed TensorProto: raw_data has {len(raw)} bytes, "
            f"expected {count} x {stored.itemsize}"
        )
    if dtype == "bool":
        return np.frombuffer(raw, dtype=np.uint8) != 0
    values = np.frombuffer(raw, dtype=stored.newbyteorder("<"))
    if dtype == "bf16":
        return _bf16_values(values)
    return values.astype(stored)


def parse_tensor(data: bytes) -> Tensor:
    """Decodes a serialized TensorProto. Unknown fields are skipped.

    Raises ValueError when the bytes are not a well-formed TensorProto of a supported dtype,
    when the data is external, or when the number of elements does not match ``dims``.
    """
    dims: list[int] = []
    code: int | None = None
    name = ""
    raw: bytes | None = None
    typed: dict[int, list[tuple[int, int | bytes]]] = {}
    for number, wire_type, value in _fields(data):
        if number == 1:
            if wire_type == _VARINT:
                dims.append(_signed64(int(value)))
            elif wire_type == _LENGTH_DELIMITED:
                dims.extend(_signed64(v) for v in _varints(bytes(value)))
            else:
                raise ValueError(f"malformed TensorProto: dims has wire type {wire_type}")
        elif number == 2:
            if wire_type != _VARINT:
                raise ValueError(f"malformed TensorProto: data_type has wire type {wire_type}")
            code = int(value)
        elif number == 8:
            if wire_type != _LENGTH_DELIMITED:
                raise ValueError(f"malformed TensorProto: name has wire type {wire_type}")
            try:
                name = bytes(value).decode("utf-8")
            except UnicodeDecodeError as error:
                raise ValueError("malformed TensorProto: name is not UTF-8") from error
        elif number == 9:
            if wire_type != _LENGTH_DELIMITED:
                raise ValueError(f"malformed TensorProto: raw_data has wire type {wire_type}")
            raw = bytes(value)
        elif number in _TYPED_FIELD.values():
            typed.setdefault(number, []).append((wire_type, value))
        elif number == 14 and wire_type == _VARINT and value == _EXTERNAL:
            raise ValueError("TensorProto: external data is not supported")

    if code is None:
        raise ValueError("malformed TensorProto: no data_type")
    if code not in _NAME_OF_CODE:
        raise ValueError(f"TensorProto: unsupported data_type {code}")
    dtype = _NAME_OF_CODE[code]
    if any(d < 0 for d in dims):
        raise ValueError(f"malformed TensorProto: negative dimension in {dims}")
    count = int(np.prod(dims, dtype=np.int64))
    field = _TYPED_FIELD[dtype]
    if set(typed) - {field}:
        others = sorted(set(typed) - {field})
        raise ValueError(f"malformed TensorProto: {dtype} tensor has data in fields {others}")
    if raw is not None and field in typed:
        raise ValueError("malformed TensorProto: both raw_data and a typed data field")
    if raw is not None:
        values = _from_raw(dtype, raw, count)
    else:
        values = _from_typed(dtype, _typed_values(field, typed.get(field, [])))
        if values.size != count:
            raise ValueError(
                f"malformed TensorProto: {values.size} elements for dims {dims} ({count})"
            )
    return Tensor(name=name, dtype=dtype, array=values.reshape(dims))


def read_tensor(path: str | os.PathLike[str]) -> Tensor:
    """Reads the TensorProto file at ``path`` (see `parse_tensor`)."""
    with open(path, "rb") as stream:
        return parse_tensor(stream.read())


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def _varint(value: int) -> bytes:
    """Encodes a non-negative int (< 2**64) as a varint."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(number: int, wire_type: int) -> bytes:
    """The varint key of a field."""
    return _varint(number << 3 | wire_type)


def _length_delimited(number: int, payload: bytes) -> bytes:
    """A length-delimited field."""
    return _key(number, _LENGTH_DELIMITED) + _varint(len(payload)) + payload


def serialize_tensor(array: np.ndarray, name: str = "", dtype: str | None = None) -> bytes:
    """Encodes ``array`` as a TensorProto with dims, data_type, name and raw_data.

    ``dtype`` (a key of `DTYPES`) defaults to the array's own; otherwise the array is cast
    to it, which must be a same-kind cast (no float -> int). ``'bf16'`` rounds float32
    values to bfloat16 (see `to_bf16`) and stores their 16-bit patterns.
    """
    array = np.asarray(array)
    if dtype is None:
        if array.dtype not in _NAME_OF_NUMPY:
            raise ValueError(f"no ONNX dtype for NumPy dtype {array.dtype}")
        dtype = _NAME_OF_NUMPY[array.dtype]
    if dtype not in DTYPES:
        raise ValueError(f"unknown dtype '{dtype}' (one of {', '.join(DTYPES)})")
    code, numpy_dtype = DTYPES[dtype]
    try:
        values = array.astype(numpy_dtype, casting="same_kind")
    except TypeError as error:
        raise ValueError(f"cannot store a {array.dtype} array as {dtype}") from error
    if dtype == "bf16":
        raw = _bf16_bits(values).astype("<u2").tobytes()
    else:
        raw = values.astype(numpy_dtype.newbyteorder("<")).tobytes()
    message = b""
    if values.ndim:
        message += _length_delimited(1, b"".join(_varint(d) for d in values.shape))
    message += _key(2, _VARINT) + _varint(code)
    if name:
        message += _length_delimited(8, name.encode("utf-8"))
    message += _length_delimited(9, raw)
    return message


def write_tensor(
    path: str | os.PathLike[str], array: np.ndarray, name: str = "", dtype: str | None = None
) -> None:
    """Writes ``array`` to ``path`` as a serialized TensorProto (see `serialize_tensor`)."""
    with open(path, "wb") as stream:
        stream.write(serialize_tensor(array, name, dtype))
