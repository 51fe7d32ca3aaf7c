#!/usr/bin/env python3
"""Times the benchmark's convolutions through PyTorch's CPU path, for comparison.

Reads lines "label cin cout h w" on stdin; prints "label forward_ms input_grad_ms" per
line (medians over --repeat runs, after one warm-up): forward is relu(conv2d(x, w, b)),
the gradient is d/dx of Σ g ⊙ relu(conv2d(x, w, b)), as bench_conv times them.
"""
import argparse
import os
import sys
import time

import torch


def median_ms(fn, repeat, device):
    def synchronise():
        if device == "cuda":
            torch.cuda.synchronize()

    fn()
    synchronise()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        synchronise()
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return times[len(times) // 2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--device", default="cpu", help="cpu, or cuda for PyTorch's CUDA build")
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    # fp32 as ours: no TF32 tensor-core shortcuts on the GPU.
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.manual_seed(0)
    repeat = max(args.repeat, 5)  # PyTorch's CPU timings scatter: a median of at least 5
    for line in sys.stdin:
        if not line.strip():
            continue
        label, cin, cout, h, w = line.split()
        cin, cout, h, w = int(cin), int(cout), int(h), int(w)
        device = torch.device(args.device)
        x = torch.randn(1, cin, h, w, device=device)
        weight = torch.randn(cout, cin, 3, 3, device=device) * (2.0 / (9 * cin)) ** 0.5
        bias = torch.randn(cout, device=device)
        grad = torch.randn(1, cout, h, w, device=device)

        def forward():
            with torch.no_grad():
                torch.relu(torch.nn.functional.conv2d(x, weight, bias, padding=1))

        def input_grad():
            xg = x.clone().requires_grad_(True)
            out = torch.relu(torch.nn.functional.conv2d(xg, weight, bias, padding=1))
            torch.autograd.grad(out, xg, grad)

        # The autograd path includes a forward; subtract it so both sides time the same work.
        forward_ms = median_ms(forward, repeat, args.device)
        backward_ms = max(median_ms(input_grad, repeat, args.device) - forward_ms, 0.0)
        print(f"{label} {forward_ms:.3f} {backward_ms:.3f}", flush=True)


if __name__ == "__main__":
    main()
