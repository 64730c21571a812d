#!/usr/bin/env python3
"""PyTorch on the CPU (float32) at the shapes of `cefm-native bench kernels --backend native`: the
native backend's peer.

The cases come from `node dist/bench/cpu-ratio.js --list-cases` (every case of src/ts/bench/cases,
with its attrs normalised as docs/ops.md says and which inputs are differentiable), so both sides
time the same shapes:

  torch_cpu.py --threads 2 --cases cases.json   time every case, print one JSON object
  torch_cpu.py --threads 2 --serve              read one JSON case per stdin line, answer one JSON
                                                line each (bench/cpu-ratio.ts alternates with ours)

Each timing: warm-up runs, then the median of --repeats wall-clock runs. A backward case times
torch.autograd.grad of the forward outputs (the forward graph is built once, outside the timing),
which is what an `<op>_backward` kernel does.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures"))
import torch_ops as T  # noqa: E402  (the docs/ops.md forms of ops torch has no single function for)


def pair(v):
    return tuple(int(x) for x in v)


def forward_fn(op, a):
    """The torch call for one op of docs/ops.md, given its normalised attrs."""
    unary = {"relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}
    binary = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div}
    if op == "matmul":
        return torch.matmul
    if op == "linear":
        return lambda x, w, b=None: T.linear(x, w, b, a.get("activation", "none"))
    if op == "conv2d":
        padding = "same" if a.get("paddingMode") == "same" else pair(a["padding"])
        return lambda x, w, b=None: F.conv2d(x, w, b, pair(a["stride"]), padding, pair(a["dilation"]), int(a["groups"]))
    if op == "conv_transpose2d":
        return lambda x, w, b=None: F.conv_transpose2d(x, w, b, pair(a["stride"]), pair(a["padding"]),
                                                       pair(a["output_padding"]), int(a["groups"]), pair(a["dilation"]))
    if op == "attention":
        return lambda q, k, v: T.attention(q, k, v, a["scale"])
    if op == "layer_norm":
        return lambda x, w, b: F.layer_norm(x, w.shape, w, b, a["eps"])
    if op == "batch_norm":
        return lambda x, w, b, rm, rv: T.batch_norm(x, w, b, rm, rv, bool(a["training"]), a["eps"], a["momentum"])
    if op == "softmax":
        return lambda x: torch.softmax(x, -1)
    if op == "log_softmax":
        return lambda x: torch.log_softmax(x, -1)
    if op == "gelu":
        return lambda x: F.gelu(x, approximate=a["approximate"])
    if op in unary:
        return unary[op]
    if op in binary:
        return binary[op]
    if op in ("sum", "mean"):
        fn = torch.sum if op == "sum" else torch.mean
        return lambda x: T.reduce(fn, x, a["dims"], bool(a["keepdim"]))
    if op == "max_pool2d":
        return lambda x: F.max_pool2d(x, pair(a["kernel"]), pair(a["stride"]), pair(a["padding"]), pair(a["dilation"]))
    if op == "avg_pool2d":
        return lambda x: F.avg_pool2d(x, pair(a["kernel"]), pair(a["stride"]), pair(a["padding"]),
                                      count_include_pad=bool(a["count_include_pad"]))
    if op == "adaptive_avg_pool2d":
        return lambda x: F.adaptive_avg_pool2d(x, pair(a["output_size"]))
    if op in ("upsample_bilinear2d", "upsample_nearest2d"):
        mode = "bilinear" if op == "upsample_bilinear2d" else "nearest"
        return lambda x: T.upsample(mode, x, size=pair(a["size"]))
    if op == "concat":
        return lambda *xs: torch.cat(xs, int(a["dim"]))
    if op in ("permute", "transpose"):  # ours writes the permuted copy: so does torch here
        return lambda x: x.permute(*a["dims"]).contiguous()
    if op == "reshape":  # ours copies; torch's reshape is a view, so clone it
        return lambda x: x.reshape(*a["shape"]).clone()
    if op == "cross_entropy":
        return F.cross_entropy
    if op == "bce_with_logits":
        return F.binary_cross_entropy_with_logits
    if op == "dice_loss":
        return lambda x, y: T.dice_loss(x, y, a["smooth"])
    if op == "nt_xent":
        return lambda z1, z2: T.nt_xent(z1, z2, a["tau"])
    raise ValueError(f"no torch form for op '{op}'")


def make_inputs(op, shapes, gen):
    """Random inputs, valid where an op needs it (class indices, probabilities, variances)."""
    xs = [torch.rand(s, generator=gen) * 2 - 1 for s in shapes]
    if op == "cross_entropy":
        xs[1] = torch.randint(0, shapes[0][1], shapes[1], generator=gen)
    elif op in ("dice_loss", "bce_with_logits"):
        xs[1] = torch.rand(shapes[1], generator=gen)
    elif op == "batch_norm":
        xs[4] = torch.rand(shapes[4], generator=gen) + 0.5
    return xs


def median_ms(fn, repeats, warmup):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def adamw_runner(shapes, a, gen):
    """adamw_step: one torch.optim.AdamW step of a tensor whose state already exists."""
    param, grad, m, v = make_inputs("adamw_step", shapes, gen)
    p = param.clone().requires_grad_(True)
    p.grad = grad
    opt = torch.optim.AdamW([p], lr=a["lr"], betas=(a["beta1"], a["beta2"]), eps=a["eps"], weight_decay=a["weight_decay"])
    opt.step()  # creates the state
    state = opt.state[p]
    state["exp_avg"].copy_(m)
    state["exp_avg_sq"].copy_(v.abs())
    return opt.step


def runner(case, gen):
    """A zero-argument function doing what the kernel of `case` does; for a backward whose torch
    gradients are views, a pair (the timed call, which makes them contiguous; the view-only call)."""
    op, shapes, a = case["op"], case["shapes"], case.get("attrs", {})
    if op == "adamw_step":
        return adamw_runner(shapes, a, gen)
    fn = forward_fn(op, a)
    xs = make_inputs(op, shapes, gen)
    if not case.get("backward"):
        return lambda: fn(*xs)
    diff = case["differentiable"]
    for x, d in zip(xs, diff):
        x.requires_grad_(bool(d))
    outs = fn(*xs)
    outs = outs if isinstance(outs, tuple) else (outs,)
    outs = [o for o in outs if o.requires_grad]
    dys = [torch.rand(o.shape, generator=gen) * 2 - 1 for o in outs]
    wrt = [x for x, d in zip(xs, diff) if d]
    grad = lambda: torch.autograd.grad(outs, wrt, dys, retain_graph=True)  # noqa: E731
    # Ours writes every gradient as a contiguous tensor; torch's autograd returns a strided view of
    # dy for layout ops (permute, concat, sum's broadcast) and leaves the copy to whoever reads it.
    # So torch copies such a gradient here too, as forward_fn does for permute; the view-only time
    # is reported beside it (viewMs).
    if any(not g.is_contiguous() for g in grad()):
        return lambda: [g.contiguous() for g in grad()], grad
    return grad


def time_case(case, repeats, warmup):
    gen = torch.Generator().manual_seed(17)
    try:
        with torch.no_grad() if not case.get("backward") else torch.enable_grad():
            run = runner(case, gen)
            view = None
            if isinstance(run, tuple):
                run, view = run
            ms = median_ms(run, repeats, warmup)
            extra = {"viewMs": median_ms(view, repeats, warmup)} if view else {}
        return {"label": case["label"], "backward": bool(case.get("backward")), "medianMs": ms, **extra}
    except Exception as e:  # reported per case, the others still run
        return {"label": case["label"], "backward": bool(case.get("backward")), "error": f"{type(e).__name__}: {e}"}


def blas_name():
    """The BLAS library torch's CPU GEMMs went through: the one mapped into this process (Linux),
    else what its build configuration says."""
    torch.ones(8, 8) @ torch.ones(8, 8)
    try:
        with open("/proc/self/maps") as f:
            libs = sorted({line.split()[-1] for line in f if "blas" in line.lower() and "lapack" not in line.lower() and line.split()[-1].startswith("/")})
        if libs:
            return ", ".join(os.path.realpath(p) for p in libs)
    except OSError:
        pass
    config = torch.__config__.show()
    return config.split("BLAS_INFO=", 1)[1].split(",", 1)[0] if "BLAS_INFO=" in config else "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, required=True, help="torch.set_num_threads (use the native backend's count)")
    ap.add_argument("--cases", help="JSON file: a list of cases")
    ap.add_argument("--serve", action="store_true", help="one JSON case per stdin line, one JSON result line each")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    header = {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_name()}
    if args.serve:
        print(json.dumps(header), flush=True)
        for line in sys.stdin:
            if line.strip():
                req = json.loads(line)
                res = time_case(req["case"], req.get("repeats", args.repeats), req.get("warmup", args.warmup))
                print(json.dumps(res), flush=True)
        return
    if not args.cases:
        ap.error("give --cases FILE or --serve")
    with open(args.cases) as f:
        cases = json.load(f)
    results = [time_case(c, args.repeats, args.warmup) for c in cases]
    print(json.dumps({**header, "repeats": args.repeats, "warmup": args.warmup, "results": results}, indent=1))


if __name__ == "__main__":
    main()
