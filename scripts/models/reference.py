#!/usr/bin/env python3
"""Reference outputs for the vision tests, from PyTorch (a development tool; CI does not run it).

A functional EfficientNet-Lite0 straight from the checkpoint's state dict (lukemelas naming, TF "SAME"
padding, batch norm in eval mode with eps 1e-3, ReLU6), run on a few real photos. Writes into
Tests/MirrorVisionTests/Fixtures/: each photo's 224x224 crop as PNG (short side to 256 bicubic, centre
crop 224, as the manifest says) and golden-outputs.json with the logits and embedding computed on exactly
(png - 127) / 128, which is what the Swift test feeds the XNNPACK runtime.

usage: scripts/models/venv; .build-py/bin/python scripts/models/reference.py CHECKPOINT.pth
"""
import json
import math
import os
import sys

import matplotlib.cbook
import numpy as np
import skimage.data
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "models"))
from convert import BLOCKS  # noqa: E402  the block layout, shared with the converter

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "MirrorVisionTests", "Fixtures")
LABELS = open(os.path.join(os.path.dirname(__file__), "..", "..", "models", "imagenet-labels.txt")).read().split("\n")


def same_pad(x, kernel, stride):
    """TensorFlow SAME padding: the extra pixel goes bottom/right."""
    h, w = x.shape[2], x.shape[3]
    ph = max((math.ceil(h / stride) - 1) * stride + kernel - h, 0)
    pw = max((math.ceil(w / stride) - 1) * stride + kernel - w, 0)
    return F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])


def conv_bn(x, state, conv, bn, stride=1, groups=1, act=True):
    weight = state[f"{conv}.weight"]
    x = F.conv2d(same_pad(x, weight.shape[-1], stride), weight, stride=stride, groups=groups)
    x = F.batch_norm(x, state[f"{bn}.running_mean"], state[f"{bn}.running_var"], state[f"{bn}.weight"],
                     state[f"{bn}.bias"], training=False, eps=1e-3)
    return F.relu6(x) if act else x


def forward(state, x):
    """Returns (logits, embedding) for an NCHW batch."""
    x = conv_bn(x, state, "_conv_stem", "_bn0", stride=2)
    index = 0
    for expand, _kernel, stride, cin, cout, repeats in BLOCKS:
        for repeat in range(repeats):
            block_in, block_stride, p = (cin if repeat == 0 else cout), (stride if repeat == 0 else 1), f"_blocks.{index}"
            source = x
            if expand != 1:
                x = conv_bn(x, state, f"{p}._expand_conv", f"{p}._bn0")
            x = conv_bn(x, state, f"{p}._depthwise_conv", f"{p}._bn1", stride=block_stride, groups=x.shape[1])
            x = conv_bn(x, state, f"{p}._project_conv", f"{p}._bn2", act=False)
            if block_stride == 1 and block_in == cout:
                x = x + source
            index += 1
    x = conv_bn(x, state, "_conv_head", "_bn1")
    embedding = x.mean(dim=(2, 3))
    return F.linear(embedding, state["_fc.weight"], state["_fc.bias"]), embedding


def crop(image):
    """Short side to 256 (bicubic), centre 224x224 crop, as 8-bit RGB."""
    image = image.convert("RGB")
    scale = 256 / min(image.size)
    image = image.resize((round(image.size[0] * scale), round(image.size[1] * scale)), Image.BICUBIC)
    left, top = (image.size[0] - 224) // 2, (image.size[1] - 224) // 2
    return image.crop((left, top, left + 224, top + 224))


def photos():
    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as file:
        hopper = Image.open(file).copy()
    return {
        "astronaut": Image.fromarray(skimage.data.astronaut()),
        "coffee": Image.fromarray(skimage.data.coffee()),
        "chelsea": Image.fromarray(skimage.data.chelsea()),
        "grace-hopper": hopper,
    }


def main():
    state = torch.load(sys.argv[1], map_location="cpu", weights_only=False)
    state = {k: v.float() for k, v in state.items() if v.dtype == torch.float32}
    goldens = []
    for name, photo in photos().items():
        image = crop(photo)
        file = f"photo-{name}.png"
        image.save(os.path.join(FIXTURES, file), optimize=True)
        pixels = np.asarray(Image.open(os.path.join(FIXTURES, file)).convert("RGB"), dtype=np.float32)
        x = torch.from_numpy((pixels - 127) / 128).permute(2, 0, 1).unsqueeze(0)
        with torch.no_grad():
            logits, embedding = forward(state, x)
        logits, embedding = logits[0].numpy(), embedding[0].numpy()
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        top5 = [[int(i), LABELS[i], round(float(probabilities[i]), 4)] for i in np.argsort(-logits)[:5]]
        print(name, top5)
        goldens.append({"file": file, "top5": top5, "logits": [float(f"{v:.7g}") for v in logits],
                        "embedding": [float(f"{v:.7g}") for v in embedding]})
    with open(os.path.join(FIXTURES, "golden-outputs.json"), "w") as out:
        json.dump({"model": "efficientnet-lite0", "torch": torch.__version__, "photos": goldens}, out)
        out.write("\n")


if __name__ == "__main__":
    main()
