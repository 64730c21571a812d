#!/usr/bin/python3
"""Loads a ViT exported by toTorchvision into torchvision's VisionTransformer with strict=True and
prints its float64 eval-mode logits for the images of a fixture as JSON (tests/models/parity.test.ts).

usage: torchvision_load.py <export.safetensors> <config.json> <fixture.safetensors>
"""
import json
import os
import struct
import sys

import numpy as np
import torch

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures'))
from gen_models import torchvision_vit  # noqa: E402


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == '__metadata__':
            continue
        assert e['dtype'] == 'F32', f'{path}: {name} is {e["dtype"]}, expected F32'
        a, b = e['data_offsets']
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype='<f4').copy().reshape(e['shape']))
    return out


def main(export_path, config_path, fixture_path):
    with open(config_path) as f:
        c = json.load(f)
    model = torchvision_vit(c['image_size'], c['patch_size'], c['depth'], c['heads'], c['width'], c['mlp_dim'], c['num_classes'])
    model.load_state_dict(read_safetensors(export_path), strict=True)
    images = read_safetensors(fixture_path)['input.images']
    with torch.no_grad():
        logits = model.double().eval()(images.double())
    print(json.dumps({'shape': list(logits.shape), 'data': logits.flatten().tolist()}))


if __name__ == '__main__':
    main(*sys.argv[1:4])
