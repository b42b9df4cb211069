#!/usr/bin/env python3
"""Benchmark peers of the Swift XNNPACK runtime: the same EfficientNet-Lite0 in PyTorch (eager) and in
onnxruntime (exported from the PyTorch graph), batch 1, 224x224, at each thread count asked for.

Prints one JSON object per line: {"peer", "threads", "median_ms", "p90_ms", "version"}.
usage: .build-py/bin/python scripts/models/peer_bench.py CHECKPOINT.pth [--threads 1 2] [--runs 300]
"""
import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from reference import forward  # noqa: E402  the reference network, the same one the goldens come from


class Network(torch.nn.Module):
    def __init__(self, state):
        super().__init__()
        self.state = state

    def forward(self, x):
        return forward(self.state, x)


def timed(run, runs):
    for _ in range(20):
        run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.9)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("checkpoint")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    state = torch.load(args.checkpoint, map_location="cpu", weights_only=False)
    state = {k: v for k, v in state.items() if v.dtype == torch.float32}
    network = Network(state).eval()
    x = torch.from_numpy(np.random.default_rng(1).uniform(-1, 1, (1, 3, 224, 224)).astype(np.float32))

    import onnxruntime
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "lite0.onnx")
        with torch.no_grad():
            torch.onnx.export(network, (x,), path, input_names=["image"], output_names=["logits", "embedding"],
                              dynamo=False)
        for threads in args.threads:
            torch.set_num_threads(threads)
            with torch.no_grad():
                median, p90 = timed(lambda: network(x), args.runs)
            print(json.dumps({"peer": "torch", "threads": threads, "median_ms": round(median, 3),
                              "p90_ms": round(p90, 3), "version": torch.__version__}), flush=True)
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
            feed = {"image": x.numpy()}
            median, p90 = timed(lambda: session.run(None, feed), args.runs)
            print(json.dumps({"peer": "onnxruntime", "threads": threads, "median_ms": round(median, 3),
                              "p90_ms": round(p90, 3), "version": onnxruntime.__version__}), flush=True)


if __name__ == "__main__":
    main()
