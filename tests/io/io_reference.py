#!/usr/bin/python3
"""The PyTorch side of the tests/io checks. Debian has no python3-safetensors, so the format is read
and written here by hand (struct + json), independently of src/ts/io/safetensors.ts.

  io_reference.py fixtures             writes tests/fixtures/io/*.safetensors (committed, small)
  io_reference.py dtypes OUT           every F16 and BF16 bit pattern with numpy's/torch's float32
                                       values, and integer tensors of every dtype
  io_reference.py inspect FILE         reads a file we wrote: prints a JSON summary, checks the layout
                                       and that our F16/BF16 equal numpy's/torch's rounding of F32
  io_reference.py resize IN OUT        F.interpolate(mode='bicubic') of the position embeddings in IN
  io_reference.py tv-logits MODEL REF ORIG
                                       loads MODEL and ORIG into torchvision's VisionTransformer
                                       (strict=True) and prints both one's logits on REF's input and
                                       REF's stored logits (made on another machine: close, not equal)
"""
import json
import os
import struct
import sys

import numpy as np
import torch

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, '..', 'fixtures', 'io')

NUMPY = {'F64': np.float64, 'F32': np.float32, 'F16': np.float16, 'I64': np.int64, 'I32': np.int32,
         'I16': np.int16, 'I8': np.int8, 'U8': np.uint8, 'BOOL': np.bool_, 'BF16': np.uint16}
DTYPE_OF = {np.dtype(v): k for k, v in NUMPY.items() if k != 'BF16'}


def save(path, tensors, metadata=None, dtypes=None):
    """tensors: name -> numpy array (BF16: uint16 bits with dtypes[name] = 'BF16')."""
    dtypes = dtypes or {}
    header, blobs, at = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name, a in tensors.items():
        a = np.asarray(a)  # not ascontiguousarray: it makes a 0-d array 1-d
        b = a.astype(a.dtype.newbyteorder('<')).tobytes(order='C')
        header[name] = {'dtype': dtypes[name] if name in dtypes else DTYPE_OF[a.dtype], 'shape': list(a.shape), 'data_offsets': [at, at + len(b)]}
        blobs.append(b)
        at += len(b)
    text = json.dumps(header).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))


def load(path):
    """-> (metadata, {name: (dtype, numpy array)}, header_len, raw header dict)."""
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop('__metadata__', {})
    out = {}
    for name, e in header.items():
        b, end = e['data_offsets']
        a = np.frombuffer(data[8 + n + b:8 + n + end], dtype=np.dtype(NUMPY[e['dtype']]).newbyteorder('<'))
        out[name] = (e['dtype'], a.reshape(e['shape']))
    return meta, out, n, header


def state_dict_numpy(module):
    return {k: v.detach().numpy().astype(np.float32) for k, v in module.state_dict().items()}


def torchvision_vit(image_size, patch_size, num_layers, num_heads, hidden_dim, mlp_dim, num_classes, seed):
    from torchvision.models.vision_transformer import VisionTransformer
    torch.manual_seed(seed)
    m = VisionTransformer(image_size=image_size, patch_size=patch_size, num_layers=num_layers, num_heads=num_heads,
                          hidden_dim=hidden_dim, mlp_dim=mlp_dim, num_classes=num_classes)
    # torchvision zero-initialises the head and biases: random everything so a mix-up would show.
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn_like(p) * 0.2)
    return m.eval()


def timm_names(tv_name):
    """torchvision -> timm, spelled out by hand (timm is not installed)."""
    top = {'conv_proj.weight': 'patch_embed.proj.weight', 'conv_proj.bias': 'patch_embed.proj.bias',
           'class_token': 'cls_token', 'encoder.pos_embedding': 'pos_embed', 'encoder.ln.weight': 'norm.weight',
           'encoder.ln.bias': 'norm.bias', 'heads.head.weight': 'head.weight', 'heads.head.bias': 'head.bias'}
    if tv_name in top:
        return top[tv_name]
    parts = tv_name.split('.')  # encoder.layers.encoder_layer_N.<rest>
    i = parts[2].rsplit('_', 1)[1]
    rest = '.'.join(parts[3:])
    block = {'ln_1.weight': 'norm1.weight', 'ln_1.bias': 'norm1.bias', 'ln_2.weight': 'norm2.weight', 'ln_2.bias': 'norm2.bias',
             'self_attention.in_proj_weight': 'attn.qkv.weight', 'self_attention.in_proj_bias': 'attn.qkv.bias',
             'self_attention.out_proj.weight': 'attn.proj.weight', 'self_attention.out_proj.bias': 'attn.proj.bias',
             'mlp.0.weight': 'mlp.fc1.weight', 'mlp.0.bias': 'mlp.fc1.bias', 'mlp.3.weight': 'mlp.fc2.weight', 'mlp.3.bias': 'mlp.fc2.bias'}
    return f'blocks.{i}.{block[rest]}'


def fixtures():
    os.makedirs(FIXTURES, exist_ok=True)
    # The small torchvision ViT, its state dict, and its logits on a random input.
    m = torchvision_vit(32, 8, 2, 3, 48, 96, 5, seed=8)
    sd = state_dict_numpy(m)
    save(os.path.join(FIXTURES, 'torchvision_vit.safetensors'), sd)
    torch.manual_seed(9)
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        logits = m(x)
    save(os.path.join(FIXTURES, 'torchvision_vit_logits.safetensors'), {'input': x.numpy(), 'logits': logits.numpy()},
         metadata={'model': 'torchvision_vit.safetensors', 'config': json.dumps(dict(image_size=32, patch_size=8, num_layers=2, num_heads=3, hidden_dim=48, mlp_dim=96, num_classes=5))})
    # A timm-style dict of other sizes (old torchvision MLP names would not matter here: timm has its own).
    m2 = torchvision_vit(24, 4, 3, 2, 32, 80, 3, seed=10)
    save(os.path.join(FIXTURES, 'timm_vit.safetensors'), {timm_names(k): v for k, v in state_dict_numpy(m2).items()})
    for f in sorted(os.listdir(FIXTURES)):
        print(f, os.path.getsize(os.path.join(FIXTURES, f)), 'bytes')


def dtypes(out):
    bits = np.arange(65536, dtype=np.uint16)
    rng = np.random.default_rng(3)
    ints = {'I64': np.array([0, 1, -1, 2**53 + 1, -2**63, 2**63 - 1], dtype=np.int64),
            'I32': rng.integers(-2**31, 2**31, size=7, dtype=np.int32), 'I16': rng.integers(-2**15, 2**15, size=5, dtype=np.int16),
            'I8': np.arange(-128, 128, dtype=np.int8), 'U8': np.arange(256, dtype=np.uint8), 'BOOL': np.array([True, False, True])}
    tensors = {'f16': bits.view(np.float16).reshape(256, 256), 'f16.as_f32': bits.view(np.float16).astype(np.float32).reshape(256, 256),
               'bf16': bits.reshape(256, 256),
               'bf16.as_f32': torch.from_numpy(bits.astype(np.int16)).view(torch.bfloat16).float().numpy().reshape(256, 256),
               'f64': rng.standard_normal((3, 5)) * 1e3, 'scalar': np.array(2.5, dtype=np.float32), 'empty': np.zeros((0, 3), dtype=np.float32)}
    tensors['f64.as_f32'] = tensors['f64'].astype(np.float32)
    tensors.update({k.lower(): v for k, v in ints.items()})
    meta = {'ints': json.dumps({k.lower(): [str(int(x)) for x in v] for k, v in ints.items()})}
    save(out, tensors, metadata=meta, dtypes={'bf16': 'BF16'})


def finite(a):
    s = float(a.astype(np.float64).sum())
    return s if np.isfinite(s) else str(s)


def inspect(path):
    with open(path, 'rb') as f:
        data = f.read()
    meta, tensors, n, header = load(path)
    problems = []
    if n % 8:
        problems.append(f'header length {n} not a multiple of 8')
    if (8 + n + max([e['data_offsets'][1] for e in header.values()] or [0])) != len(data):
        problems.append('data area size does not match the tensors')
    raw_json = data[8:8 + n].decode()
    if raw_json.rstrip(' ') != raw_json[:len(raw_json.rstrip(' '))] or not raw_json.rstrip(' ').endswith('}'):
        problems.append('header not padded with spaces')
    for name, e in header.items():
        size = np.dtype(NUMPY[e['dtype']]).itemsize
        if e['data_offsets'][0] % size:
            problems.append(f'{name} not aligned to {size}')
    # Our rounding of float32 to F16 / BF16 against numpy's / torch's (round to nearest even).
    for name, (dt, a) in tensors.items():
        src = tensors.get(name + '.src')
        if src is None:
            continue
        ref = src[1].astype(np.float16).view(np.uint16) if dt == 'F16' else \
            torch.from_numpy(src[1].copy()).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)
        s, o, r = src[1].ravel(), a.ravel().view(np.uint16), ref.ravel()
        exp, man = (0x7c00, 0x03ff) if dt == 'F16' else (0x7f80, 0x007f)
        ours_nan = ((o & exp) == exp) & ((o & man) != 0)
        wrong = np.nonzero(((o != r) & ~np.isnan(s)) | (np.isnan(s) & ~ours_nan))[0]
        if len(wrong):
            i = wrong[0]
            problems.append(f'{name}: {len(wrong)} values differ, e.g. {dt} bits {o[i]:#06x} for {s[i]!r}, reference {r[i]:#06x}')
    summary = {name: {'dtype': dt, 'shape': list(a.shape), 'sum': finite(a) if dt not in ('F16', 'BF16') else None,
                      'first': [str(x) for x in a.ravel()[:4].tolist()]} for name, (dt, a) in tensors.items()}
    print(json.dumps({'metadata': meta, 'order': list(header.keys()), 'tensors': summary, 'problems': problems}))


def resize(inp, out):
    import torch.nn.functional as F
    _, tensors, _, _ = load(inp)
    res = {}
    for name, (_, a) in tensors.items():
        grid = int(round((a.shape[1] - 1) ** 0.5))
        img = torch.from_numpy(a[:, 1:].copy()).reshape(1, grid, grid, -1).permute(0, 3, 1, 2).double()
        for size in (1, 3, grid - 1, grid + 3, 2 * grid):
            for ac in (False, True):
                r = F.interpolate(img, size=(size, size), mode='bicubic', align_corners=ac)
                res[f'{name}.{size}.{int(ac)}'] = r.permute(0, 2, 3, 1).reshape(1, size * size, -1).float().numpy()
    save(out, res)


def tv_logits(model_file, ref_file, orig_file):
    _, ref, _, _ = load(ref_file)
    cfg = {}
    with open(ref_file, 'rb') as f:
        (n,) = struct.unpack('<Q', f.read(8))
        cfg = json.loads(json.loads(f.read(n))['__metadata__']['config'])
    from torchvision.models.vision_transformer import VisionTransformer

    def logits_of(weights_file):
        _, tensors, _, _ = load(weights_file)
        m = VisionTransformer(**cfg).eval()
        m.load_state_dict({k: torch.from_numpy(a.copy()) for k, (_, a) in tensors.items()}, strict=True)
        with torch.no_grad():
            return m(torch.from_numpy(ref['input'][1].copy())).numpy().astype(np.float64).ravel().tolist()

    print(json.dumps({'logits': logits_of(model_file), 'original': logits_of(orig_file),
                      'reference': ref['logits'][1].astype(np.float64).ravel().tolist()}))


if __name__ == '__main__':
    cmd, args = sys.argv[1], sys.argv[2:]
    {'fixtures': fixtures, 'dtypes': dtypes, 'inspect': inspect, 'resize': resize, 'tv-logits': tv_logits}[cmd](*args)
