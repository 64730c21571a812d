#!/usr/bin/env python3
"""PyTorch eager (CPU, float32) peer of `cefm-native bench model`: the same models at the same
sizes, timed the same way (median of --repeats calls after --warmup), one JSON object out.

  torch_model.py --arch vit-tiny|vit-small|vit-b16|cefm|multitask [--preset P] --batch N
                 [--image-size S] --threads T [--train] [--repeats R] [--warmup W]
  torch_model.py --arch vit-tiny --image-size 224 --export-onnx out.onnx   (opset 14, dynamic batch)

ViTs are torchvision's VisionTransformer (vit_b_16's class) built with our presets' sizes; cefm is
a mirror of src/ts/models/cefm.ts on a CCT-style backbone (src/ts/nn/transformer.ts: conv tokenizer,
pre-norm blocks, sequence pooling); multitask mirrors src/ts/models/multitask.ts. Weights are
random: only the cost is compared. Inference: eval(), torch.no_grad(). A training step:
zero_grad, forward, loss, backward, AdamW step (the loss as in bench/model.ts).
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.vision_transformer import VisionTransformer

# Sizes of src/ts/models/vit.ts's presets: (image, patch, width, depth, heads, mlp).
VIT = {
    "vit-tiny": (224, 16, 192, 12, 3, 768),
    "vit-small": (224, 16, 384, 12, 6, 1536),
    "vit-b16": (224, 16, 768, 12, 12, 3072),
}
# CCT-style backbones: (image, width, depth, heads, mlp, tokenizer layers).
CCT = {"cct-small": (112, 128, 4, 4, 256, 3), "vit-test": None}
# src/ts/models/multitask.ts: (image, base channels, depth, dropout).
UNET = {"unet-small": (96, 12, 4, 0.2), "unet-large": (256, 32, 5, 0.3), "unet-test": (16, 4, 2, 0.1)}


class ConvTokenizer(nn.Module):
    def __init__(self, layers, dim):
        super().__init__()
        convs, c = [], 3
        for i in range(layers):
            out = dim if i == layers - 1 else max(32, dim >> (layers - 1 - i))
            convs += [nn.Conv2d(c, out, 3, padding=1, bias=False), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
            c = out
        self.convs = nn.Sequential(*convs)

    def forward(self, x):
        return self.convs(x).flatten(2).transpose(1, 2)


class Cct(nn.Module):
    """Conv tokenizer, learned position embedding, pre-norm blocks, final LayerNorm, sequence pooling."""

    def __init__(self, image, width, depth, heads, mlp, layers):
        super().__init__()
        self.tokenizer = ConvTokenizer(layers, width)
        s = image
        for _ in range(layers):
            s = (s + 2 - 3) // 2 + 1
        self.pos_embed = nn.Parameter(torch.randn(1, s * s, width) * 0.02)
        block = nn.TransformerEncoderLayer(width, heads, mlp, dropout=0.0, activation="gelu", batch_first=True, norm_first=True, layer_norm_eps=1e-6)
        self.blocks = nn.TransformerEncoder(block, depth)
        self.norm = nn.LayerNorm(width, eps=1e-6)
        self.pool = nn.Linear(width, 1)

    def forward(self, x):
        x = self.norm(self.blocks(self.tokenizer(x) + self.pos_embed))
        w = torch.softmax(self.pool(x).transpose(1, 2), -1)
        return (w @ x).squeeze(1)


def head(i, hidden, out):
    return nn.Sequential(nn.Linear(i, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Linear(hidden, out))


class Cefm(nn.Module):
    def __init__(self, backbone, width, clinical=5):
        super().__init__()
        self.backbone = backbone
        self.image_projection = head(width, 512, 128)
        self.clinical_projection = head(clinical, 256, 128)
        classifier = lambda: nn.Sequential(nn.Linear(128, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, 2))
        self.classifier, self.clinical_classifier = classifier(), classifier()

    def forward(self, images, clinical):
        zi = F.normalize(self.image_projection(self.backbone(images)), dim=1)
        zc = F.normalize(self.clinical_projection(clinical), dim=1)
        return zi, zc, self.classifier(zi), self.clinical_classifier(zc)


def nt_xent(z1, z2, tau):
    """SimCLR's NT-Xent over the 2N embeddings (each row's positive is its pair)."""
    z = torch.cat([z1, z2])
    sim = (z @ z.t()) / tau
    sim.fill_diagonal_(float("-inf"))
    n = z1.shape[0]
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, target)


class DoubleConv(nn.Sequential):
    def __init__(self, i, o):
        super().__init__(nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(),
                         nn.Conv2d(o, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU())


class Multitask(nn.Module):
    def __init__(self, base, depth, dropout, heads=2):
        super().__init__()
        ch = lambda level: base * 2 ** level
        self.encoder = nn.ModuleList([DoubleConv(ch(i - 1) if i else 3, ch(i)) for i in range(depth)])
        self.bottleneck = DoubleConv(ch(depth - 1), ch(depth))
        self.decoder = nn.ModuleList([DoubleConv(ch(l + 1) + ch(l), ch(l)) for l in reversed(range(depth))])
        self.mask_head = nn.Conv2d(ch(0), 1, 1)
        self.drop = nn.Dropout(dropout)
        self.classifier = nn.Linear(ch(depth) + ch(0), heads)

    def forward(self, x):
        skips = []
        for enc in self.encoder:
            x = enc(x)
            skips.append(x)
            x = F.max_pool2d(x, 2, 2)
        x = bottleneck = self.bottleneck(x)
        for dec, skip in zip(self.decoder, reversed(skips)):
            x = dec(torch.cat([F.interpolate(x, size=skip.shape[2:], mode="bilinear", align_corners=False), skip], 1))
        pooled = torch.cat([F.adaptive_avg_pool2d(bottleneck, 1).flatten(1), F.adaptive_avg_pool2d(x, 1).flatten(1)], 1)
        return self.mask_head(x), self.classifier(self.drop(pooled))


def dice_loss(logits, y, smooth=1.0):
    p = torch.sigmoid(logits).flatten(1)
    y = y.flatten(1)
    return (1 - (2 * (p * y).sum(1) + smooth) / (p.sum(1) + y.sum(1) + smooth)).mean()


def random_nonzero(*shape):
    """Uniform in ±[0.05, 1), as bench/model.ts."""
    return torch.sign(torch.rand(*shape) - 0.5) * (0.05 + 0.95 * torch.rand(*shape))


def build(arch, preset, batch, image_size):
    """(module, preset, image size, inference fn, loss fn)."""
    torch.manual_seed(1)
    classes = torch.arange(batch) % 2
    if arch in VIT:
        if preset:
            raise SystemExit("torch_model.py: --preset applies to cefm and multitask")
        s0, patch, width, depth, heads, mlp = VIT[arch]
        s = image_size or s0
        m = VisionTransformer(image_size=s, patch_size=patch, num_layers=depth, num_heads=heads, hidden_dim=width, mlp_dim=mlp, num_classes=2)
        x = random_nonzero(batch, 3, s, s)
        return m, arch, s, (lambda: m(x)), (lambda: F.cross_entropy(m(x), classes)), (x,)
    if arch == "cefm":
        preset = preset or "cct-small"
        if not CCT.get(preset):
            raise SystemExit(f"torch_model.py: no torch mirror of the cefm backbone '{preset}' (have: cct-small)")
        s0, width, depth, heads, mlp, layers = CCT[preset]
        s = image_size or s0
        m = Cefm(Cct(s, width, depth, heads, mlp, layers), width)
        x, clin = random_nonzero(batch, 3, s, s), random_nonzero(batch, 5)

        def loss():
            zi, zc, li, lc = m(x, clin)
            return nt_xent(zi, zc, 0.05) + F.cross_entropy(li, classes) + F.cross_entropy(lc, classes)
        return m, preset, s, (lambda: m(x, clin)), loss, (x, clin)
    if arch == "multitask":
        preset = preset or "unet-small"
        if preset not in UNET:
            raise SystemExit(f"torch_model.py: unknown multitask preset '{preset}'")
        s0, base, depth, dropout = UNET[preset]
        s = image_size or s0
        m = Multitask(base, depth, dropout)
        x = random_nonzero(batch, 3, s, s)
        masks = (torch.rand(batch, 1, s, s) > 0.5).float()
        labels = (torch.rand(batch, 2) > 0.5).float()
        weights = torch.ones(batch, 2)

        def loss():
            mask, logits = m(x)
            return (F.binary_cross_entropy_with_logits(mask, masks) + dice_loss(mask, masks)
                    + F.binary_cross_entropy_with_logits(logits, labels, weight=weights))
        return m, preset, s, (lambda: m(x)), loss, (x,)
    raise SystemExit(f"torch_model.py: unknown --arch '{arch}'")


def timed(repeats, warmup, fn):
    for _ in range(warmup):
        fn()
    ms = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ms)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True)
    ap.add_argument("--preset")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--image-size", type=int)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--train", action="store_true")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--export-onnx", metavar="PATH")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    m, preset, s, infer, loss, inputs = build(a.arch, a.preset, a.batch, a.image_size)

    if a.export_onnx:
        m.eval()
        names = ["images", "clinical"][: len(inputs)]
        torch.onnx.export(m, inputs, a.export_onnx, opset_version=14, input_names=names,
                          dynamic_axes={n: {0: "batch"} for n in names})
        print(json.dumps({"onnx": a.export_onnx, "arch": a.arch, "preset": preset, "image_size": s, "inputs": names}))
        return

    m.eval()
    with torch.no_grad():
        inference_ms = timed(a.repeats, a.warmup, infer)
    out = {
        "arch": a.arch, "preset": preset, "batch": a.batch, "image_size": s, "backend": "torch-cpu",
        "device": f"PyTorch {torch.__version__} eager CPU ({torch.get_num_threads()} threads)",
        "threads": torch.get_num_threads(), "parameters": sum(p.numel() for p in m.parameters()),
        "repeats": a.repeats, "warmup": a.warmup,
        "inference_ms": inference_ms, "inference_images_per_s": a.batch * 1000 / inference_ms,
    }
    if a.train:
        m.train()
        opt = torch.optim.AdamW(m.parameters(), lr=1e-4, weight_decay=0.05)

        def step():
            opt.zero_grad(set_to_none=True)
            loss().backward()
            opt.step()
        train_ms = timed(a.repeats, a.warmup, step)
        out.update(train_ms=train_ms, train_images_per_s=a.batch * 1000 / train_ms)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
