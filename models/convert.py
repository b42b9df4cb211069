#!/usr/bin/env python3
"""Converts the EfficientNet-Lite0 PyTorch checkpoint into the mirror's model file (MMDL, see README.md).

Standard library only, so a fresh machine needs nothing beyond Python 3: torch's legacy (non-zip)
checkpoint format is a short sequence of pickles followed by the raw storages, which a restricted
unpickler reads without importing torch. Batch norm is folded into the convolutions (eps 1e-3,
computed in double precision, rounded once to float32) and weights are laid out as XNNPACK takes them.
The output is byte-for-byte deterministic, so the manifest can pin its SHA-256.

usage: convert.py CHECKPOINT(.pth or .whl) OUTPUT.mmdl [--manifest efficientnet-lite0.json]
"""
import argparse
import array
import hashlib
import io
import json
import math
import pickle
import struct
import sys
import zipfile

# B0 block layout of EfficientNet-Lite0: (expand ratio, kernel, stride, input channels, output channels, repeats).
BLOCKS = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
          (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]
BN_EPS = 1e-3


class Tensor:
    """A float32 tensor read from the checkpoint: shape and flat row-major values."""

    def __init__(self, shape, values):
        self.shape = list(shape)
        self.values = values


class _Storage:
    def __init__(self, key, size):
        self.key, self.size, self.data = key, size, None


class _Rebuild:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)


def _rebuild_tensor(storage, offset, size, stride, *_):
    return _Rebuild(storage, offset, size, stride)


class _FloatStorageType:
    pass


class _LongStorageType:
    """int64 storages: only batch norm's num_batches_tracked counters, which inference ignores."""


class _Unpickler(pickle.Unpickler):
    """Reads torch's legacy checkpoint pickles, allowing only what a state dict needs."""

    def __init__(self, stream, storages):
        super().__init__(stream)
        self.storages = storages

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            import collections
            return collections.OrderedDict
        if (module, name) in (("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor")):
            return _rebuild_tensor
        if (module, name) == ("torch", "FloatStorage"):
            return _FloatStorageType
        if (module, name) == ("torch", "LongStorage"):
            return _LongStorageType
        raise pickle.UnpicklingError(f"checkpoint refers to {module}.{name}, which a weights file never needs")

    def persistent_load(self, pid):
        kind, storage_type, key, _location, size = pid[:5]
        if kind != "storage" or storage_type not in (_FloatStorageType, _LongStorageType):
            raise pickle.UnpicklingError(f"unexpected storage {pid!r}: only float32 weights are expected")
        storage = self.storages.setdefault(key, _Storage(key, size))
        storage.element = 4 if storage_type is _FloatStorageType else 8
        return storage


def read_checkpoint(data):
    """Returns {name: Tensor} from the bytes of a legacy (non-zip) torch checkpoint."""
    stream = io.BytesIO(data)
    storages = {}
    magic = pickle.load(stream)
    if magic != 0x1950A86A20F9469CFC6C:
        raise ValueError("not a legacy torch checkpoint (bad magic number)")
    pickle.load(stream)  # protocol version
    pickle.load(stream)  # system info
    state = _Unpickler(stream, storages).load()
    keys = pickle.load(stream)
    for key in keys:
        (count,) = struct.unpack("<q", stream.read(8))
        element = storages[key].element
        raw = stream.read(count * element)
        if len(raw) != count * element:
            raise ValueError("checkpoint is truncated")
        if element != 4:
            continue
        values = array.array("f")
        values.frombytes(raw)
        if sys.byteorder != "little":
            values.byteswap()
        storages[key].data = values
    tensors = {}
    for name, item in state.items():
        if not isinstance(item, _Rebuild) or item.storage.data is None:
            continue  # num_batches_tracked counters
        # Some weights were saved as strided views (the TF checkpoint's layout): copy them contiguous.
        tensors[name] = Tensor(item.size, gather(item.storage.data, item.offset, item.size, item.stride))
    return tensors


def gather(values, offset, shape, strides):
    """A contiguous row-major copy of the strided view (offset, shape, strides) of `values`."""
    out = array.array("f", bytes(4 * math.prod(shape)))
    index = 0

    def walk(dim, base):
        nonlocal index
        if dim == len(shape) - 1:
            step = strides[dim]
            for i in range(shape[dim]):
                out[index] = values[base + i * step]
                index += 1
            return
        for i in range(shape[dim]):
            walk(dim + 1, base + i * strides[dim])

    if shape:
        walk(0, offset)
    else:
        out.append(values[offset])
    return out


def permute(tensor, order):
    """The tensor with its axes reordered (numpy.transpose)."""
    shape = tensor.shape
    strides = [math.prod(shape[i + 1:]) for i in range(len(shape))]
    new_shape = [shape[axis] for axis in order]
    return Tensor(new_shape, gather(tensor.values, 0, new_shape, [strides[axis] for axis in order]))


def fold(weights, tensors, bn):
    """Folds batch norm `bn` into conv weights [Cout, ...]: returns (weights, bias) as float32 arrays."""
    gamma = tensors[f"{bn}.weight"].values
    beta = tensors[f"{bn}.bias"].values
    mean = tensors[f"{bn}.running_mean"].values
    var = tensors[f"{bn}.running_var"].values
    cout = weights.shape[0]
    per = len(weights.values) // cout
    w = array.array("f", weights.values)
    b = array.array("f", bytes(4 * cout))
    for c in range(cout):
        scale = float(gamma[c]) / math.sqrt(float(var[c]) + BN_EPS)
        b[c] = float(beta[c]) - float(mean[c]) * scale
        base = c * per
        for i in range(per):
            w[base + i] = float(w[base + i]) * scale
    return Tensor(weights.shape, w), Tensor([cout], b)


def build(tensors):
    """The layer list and tensors of the network, in execution order."""
    layers, blobs = [], []

    def add_tensor(tensor):
        blobs.append(tensor)
        return len(blobs) - 1

    def conv(name, source, prefix, bn, stride, activation, depthwise=False):
        weight = tensors[f"{prefix}.weight"]
        cout, cin_per_group, kh, kw = weight.shape
        w, b = fold(weight, tensors, bn)
        if depthwise:
            w = permute(w, (1, 2, 3, 0))  # [C,1,KH,KW] -> [1,KH,KW,C]
            channels = [cout, cout]
        else:
            w = permute(w, (0, 2, 3, 1))  # [Cout,Cin,KH,KW] -> [Cout,KH,KW,Cin]
            channels = [cin_per_group, cout]
        layers.append({"name": name, "op": "depthwise2d" if depthwise else "conv2d", "inputs": [source],
                       "kernel": [kh, kw], "stride": stride, "padding": "same", "channels": channels,
                       "activation": activation, "weights": add_tensor(w), "bias": add_tensor(b)})
        return name

    x = conv("stem", "image", "_conv_stem", "_bn0", 2, "relu6")
    index = 0
    for expand, _kernel, stride, cin, cout, repeats in BLOCKS:
        for repeat in range(repeats):
            block_in = cin if repeat == 0 else cout
            block_stride = stride if repeat == 0 else 1
            prefix = f"_blocks.{index}"
            source = x
            if expand != 1:
                x = conv(f"b{index}.expand", x, f"{prefix}._expand_conv", f"{prefix}._bn0", 1, "relu6")
            x = conv(f"b{index}.dw", x, f"{prefix}._depthwise_conv", f"{prefix}._bn1", block_stride, "relu6",
                     depthwise=True)
            x = conv(f"b{index}.project", x, f"{prefix}._project_conv", f"{prefix}._bn2", 1, "none")
            if block_stride == 1 and block_in == cout:
                layers.append({"name": f"b{index}.add", "op": "add", "inputs": [source, x]})
                x = f"b{index}.add"
            index += 1
    if index != 16 or f"_blocks.{index}._depthwise_conv.weight" in tensors:
        raise ValueError("checkpoint does not have the 16 MBConv blocks of EfficientNet-Lite0")
    x = conv("head", x, "_conv_head", "_bn1", 1, "relu6")
    layers.append({"name": "pool", "op": "global_average_pool", "inputs": [x]})
    fc_w = tensors["_fc.weight"]
    layers.append({"name": "fc", "op": "fully_connected", "inputs": ["pool"], "channels": [fc_w.shape[1], fc_w.shape[0]],
                   "activation": "none", "weights": add_tensor(fc_w), "bias": add_tensor(tensors["_fc.bias"])})
    return layers, blobs


def write_model(layers, blobs, path):
    offsets, offset = [], 0
    for blob in blobs:
        offsets.append(offset)
        offset += (len(blob.values) * 4 + 63) // 64 * 64
    for layer in layers:
        for key in ("weights", "bias"):
            if key in layer:
                blob = blobs[layer[key]]
                layer[key] = {"offset": offsets[layer[key]], "shape": blob.shape}
    header = {"model": "efficientnet-lite0", "format": 1, "input": {"name": "image", "shape": [1, 224, 224, 3]},
              "outputs": {"logits": "fc", "embedding": "pool"}, "layers": layers}
    text = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    start = (12 + len(text) + 63) // 64 * 64
    with open(path, "wb") as out:
        out.write(b"MMDL" + struct.pack("<II", 1, len(text)) + text + bytes(start - 12 - len(text)))
        for blob in blobs:
            values = array.array("f", blob.values)
            if sys.byteorder != "little":
                values.byteswap()
            raw = values.tobytes()
            out.write(raw + bytes((len(raw) + 63) // 64 * 64 - len(raw)))


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", help="the .pth file, or the package's wheel holding it")
    parser.add_argument("output", help="the model file to write")
    parser.add_argument("--manifest", default=None, help="check checksums against this manifest")
    args = parser.parse_args()
    manifest = json.load(open(args.manifest)) if args.manifest else None

    if zipfile.is_zipfile(args.checkpoint) and args.checkpoint.endswith(".whl"):
        raw = open(args.checkpoint, "rb").read()
        if manifest and sha256(raw) != manifest["source"]["wheel_sha256"]:
            sys.exit(f"error: {args.checkpoint} has sha256 {sha256(raw)}, expected {manifest['source']['wheel_sha256']}")
        with zipfile.ZipFile(args.checkpoint) as wheel:
            member = manifest["source"]["checkpoint"] if manifest else next(
                n for n in wheel.namelist() if n.endswith(".pth"))
            data = wheel.read(member)
    else:
        data = open(args.checkpoint, "rb").read()
    if manifest and sha256(data) != manifest["source"]["checkpoint_sha256"]:
        sys.exit(f"error: checkpoint has sha256 {sha256(data)}, expected {manifest['source']['checkpoint_sha256']}")

    tensors = read_checkpoint(data)
    layers, blobs = build(tensors)
    write_model(layers, blobs, args.output)
    digest = sha256(open(args.output, "rb").read())
    print(f"wrote {args.output}: {len(layers)} layers, {sum(len(b.values) for b in blobs)} floats, sha256 {digest}")
    if manifest and digest != manifest["model"]["sha256"]:
        sys.exit(f"error: the converted model has sha256 {digest}, expected {manifest['model']['sha256']}")


if __name__ == "__main__":
    main()
