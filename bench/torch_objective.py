#!/usr/bin/env python3
"""Times one step of the same objective as bench_objective through PyTorch: VGG-19 (random
weights) forward to relu5_1, content relu4_2, style relu1_1…relu5_1 (Gram, docs/design.md's
normalisation), backward to the image. Prints "size ms_per_step" per size (median)."""
import argparse
import os
import time

import torch

CHANNELS = [(3, 64), (64, 64), "pool", (64, 128), (128, 128), "pool", (128, 256), (256, 256), (256, 256),
            (256, 256), "pool", (256, 512), (512, 512), (512, 512), (512, 512), "pool", (512, 512)]
NAMES = ["relu1_1", "relu1_2", "pool1", "relu2_1", "relu2_2", "pool2", "relu3_1", "relu3_2", "relu3_3", "relu3_4",
         "pool3", "relu4_1", "relu4_2", "relu4_3", "relu4_4", "pool4", "relu5_1"]
STYLE = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]


def features(x, weights):
    out = {}
    for name, layer in zip(NAMES, CHANNELS):
        if layer == "pool":
            x = torch.nn.functional.max_pool2d(x, 2)
        else:
            w, b = weights[name]
            x = torch.relu(torch.nn.functional.conv2d(x, w, b, padding=1))
        out[name] = x
    return out


def gram(f):
    f = f[0].reshape(f.shape[1], -1)
    return f @ f.T


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    device = torch.device(args.device)
    torch.manual_seed(0)
    weights = {name: (torch.randn(cout, cin, 3, 3, device=device) * (2 / (9 * cin)) ** 0.5,
                      torch.randn(cout, device=device) * 0.1)
               for name, layer in zip(NAMES, CHANNELS) if layer != "pool" for cin, cout in [layer]}
    for size in args.sizes:
        content = torch.randn(1, 3, size, size, device=device) * 60
        style = torch.randn(1, 3, size, size, device=device) * 60
        with torch.no_grad():
            target = features(content, weights)["relu4_2"]
            grams = {l: gram(f) for l, f in features(style, weights).items() if l in STYLE}
        x = (torch.randn(1, 3, size, size, device=device) * 60).requires_grad_(True)

        def step():
            fx = features(x, weights)
            loss = 0.5 * ((fx["relu4_2"] - target) ** 2).sum()
            for l in STYLE:
                n, m = fx[l].shape[1], fx[l].shape[2] * fx[l].shape[3]
                loss = loss + 1e4 / len(STYLE) * ((gram(fx[l]) - grams[l]) ** 2).sum() / (4 * n * n * m * m)
            x.grad = None
            loss.backward()
            if device.type == "cuda":
                torch.cuda.synchronize()

        step()
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            step()
            times.append((time.perf_counter() - start) * 1e3)
        times.sort()
        print(f"{size} {times[len(times) // 2]:.3f}", flush=True)


if __name__ == "__main__":
    main()
