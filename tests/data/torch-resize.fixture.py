# Generates torch-resize.fixture.json: PyTorch 1.13 references for resizeRgb (bilinear, antialias=True,
# align_corners=False) and resizeMask (nearest-exact) on a seeded random 23x17 image, including a crop.
# Run: /usr/bin/python3 tests/data/torch-resize.fixture.py > tests/data/torch-resize.fixture.json
import numpy as np, torch, torch.nn.functional as F, base64, json
rng = np.random.default_rng(20240611)
H, W = 17, 23
img = rng.integers(0, 256, size=(H, W, 3), dtype=np.uint8)
mask = (rng.random((H, W)) < 0.4).astype(np.uint8)
x = torch.from_numpy(img.astype(np.float32)).permute(2, 0, 1)[None]
m = torch.from_numpy(mask.astype(np.float32))[None, None]
def bil(t, h, w): return F.interpolate(t, size=(h, w), mode='bilinear', align_corners=False, antialias=True)[0].permute(1, 2, 0).reshape(-1).numpy()
def near(t, h, w): return F.interpolate(t, size=(h, w), mode='nearest-exact')[0, 0].reshape(-1).numpy().astype(np.uint8)
cases = []
for (h, w) in [(9, 7), (29, 5)]:
    cases.append(dict(rect=[0, 0, W, H], width=w, height=h, rgb=[round(float(v), 3) for v in bil(x, h, w)], mask=''.join(map(str, near(m, h, w)))))
# crop x=3,y=2,w=15,h=11 -> 8x6
c = x[:, :, 2:13, 3:18]; cm = m[:, :, 2:13, 3:18]
cases.append(dict(rect=[3, 2, 15, 11], width=6, height=8, rgb=[round(float(v), 3) for v in bil(c, 8, 6)], mask=''.join(map(str, near(cm, 8, 6)))))
print(json.dumps(dict(width=W, height=H, rgb=base64.b64encode(img.tobytes()).decode(), mask=''.join(map(str, mask.reshape(-1))), cases=cases)))
