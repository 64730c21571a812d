#!/usr/bin/env python3
"""PyTorch fp32 (TF32 off) on CUDA at the shapes of `cefm-native bench kernels`: the GPU ceiling.

Timed with CUDA events after warm-up, median of 50 runs. Prints JSON on stdout.
"""
import argparse
import json
import statistics

import torch
import torch.nn.functional as F

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False


def time_ms(fn, repeats=50, warmup=5):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b))
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1024,2048,4096")
    args = ap.parse_args()
    dev = "cuda"
    results = []
    for tok in args.sizes.split(","):
        dims = [int(x) for x in tok.lower().split("x")]
        m, k, n = dims * 3 if len(dims) == 1 else dims
        a, b = torch.randn(m, k, device=dev), torch.randn(k, n, device=dev)
        ms = time_ms(lambda: a @ b)
        results.append({"label": f"matmul {m}x{k}x{n}", "op": "matmul", "ms": ms, "gflops": 2 * m * n * k / ms / 1e6})
    for (bsz, h, l, d) in [(8, 3, 197, 64), (8, 12, 197, 64)]:
        q, k_, v = (torch.randn(bsz, h, l, d, device=dev) for _ in range(3))
        flops = 4 * bsz * h * l * l * d
        ms = time_ms(lambda: torch.softmax(q @ k_.transpose(-1, -2) * d ** -0.5, -1) @ v)
        results.append({"label": f"attention B{bsz} H{h} L{l} D{d} (matmul+softmax+matmul)", "op": "attention", "ms": ms, "gflops": flops / ms / 1e6})
        if hasattr(F, "scaled_dot_product_attention"):
            ms = time_ms(lambda: F.scaled_dot_product_attention(q, k_, v))
            results.append({"label": f"attention B{bsz} H{h} L{l} D{d} (fused SDPA)", "op": "attention", "ms": ms, "gflops": flops / ms / 1e6})
    x, w = torch.randn(8, 64, 56, 56, device=dev), torch.randn(64, 64, 3, 3, device=dev)
    ms = time_ms(lambda: F.conv2d(x, w, padding=1))
    results.append({"label": "conv2d 8x64x56x56 3x3 64->64", "op": "conv2d", "ms": ms, "gflops": 2 * 8 * 64 * 56 * 56 * 64 * 9 / ms / 1e6})
    print(json.dumps({"torch": torch.__version__, "device": torch.cuda.get_device_name(0), "results": results}, indent=1))


if __name__ == "__main__":
    main()
