#!/usr/bin/env python3
"""Independent numpy reference of the ABC features (definitions: docs/abc.md).

Written from the definitions, not from the C++: components and hole filling with scipy.ndimage, the
pixel-edge contour by chaining boundary edges (not the C++ turn rules), float64 throughout, exact
cube roots and trigonometry (no tables). tests/abc/reference.test.ts compares it with the addon.

Usage: abc_reference.py RGB_RAW MASK_RAW WIDTH HEIGHT CONSTANTS_JSON
  RGB_RAW: width*height*3 bytes (RGB interleaved); MASK_RAW: width*height bytes (nonzero = lesion);
  CONSTANTS_JSON: the addon's abcConstants. Prints one JSON object.
"""
import json
import math
import sys

import numpy as np
from scipy import ndimage

def srgb_to_linear(c):
    c = np.asarray(c, dtype=np.float64) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_lab(rgb):
    m = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]])
    xyz = rgb @ m.T / np.array([0.95047, 1.0, 1.08883])
    d = 6 / 29
    f = np.where(xyz > d ** 3, np.cbrt(np.maximum(xyz, 0)), np.maximum(xyz, 0) / (3 * d * d) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def clean_mask(mask):
    labels, n = ndimage.label(mask > 0, structure=np.ones((3, 3)))
    if n == 0:
        raise SystemExit('empty mask')
    sizes = np.bincount(labels.ravel())[1:]
    region = labels == (int(np.argmax(sizes)) + 1)
    return ndimage.binary_fill_holes(region)  # background 4-connected to the outside stays


def crack_contour(region):
    """Closed polygon along pixel edges, clockwise on screen (region on the right), vertices at
    pixel corners, by chaining the directed boundary edges; at a corner where two region pixels
    touch diagonally it takes the left turn, which keeps them on one outline (8-connectivity)."""
    h, w = region.shape
    pad = np.pad(region, 1)
    inner = pad[1:-1, 1:-1]
    out = {}
    ys, xs = np.nonzero(inner & ~pad[:-2, 1:-1])  # top edges, heading east
    for x, y in zip(xs, ys):
        out.setdefault((x, y), []).append((x + 1, y))
    ys, xs = np.nonzero(inner & ~pad[1:-1, 2:])  # right edges, heading south
    for x, y in zip(xs, ys):
        out.setdefault((x + 1, y), []).append((x + 1, y + 1))
    ys, xs = np.nonzero(inner & ~pad[2:, 1:-1])  # bottom edges, heading west
    for x, y in zip(xs, ys):
        out.setdefault((x + 1, y + 1), []).append((x, y + 1))
    ys, xs = np.nonzero(inner & ~pad[1:-1, :-2])  # left edges, heading north
    for x, y in zip(xs, ys):
        out.setdefault((x, y + 1), []).append((x, y))
    n_edges = sum(len(v) for v in out.values())
    ys, xs = np.nonzero(region)
    first = np.lexsort((xs, ys))[0]
    start = (int(xs[first]), int(ys[first]))
    pts = [start]
    prev, cur = start, (start[0] + 1, start[1])
    used = 1
    while cur != start:
        pts.append(cur)
        heading = (cur[0] - prev[0], cur[1] - prev[1])
        options = out[cur]
        if len(options) == 1:
            nxt = options[0]
        else:  # saddle: the left turn, left of (dx, dy) being (dy, -dx) on screen
            left = (cur[0] + heading[1], cur[1] - heading[0])
            nxt = left if left in options else options[0]
        prev, cur = cur, nxt
        used += 1
    assert used == n_edges, f'contour used {used} of {n_edges} boundary edges'
    return np.array(pts, dtype=np.float64) - 0.5


def smooth_closed(pts, sigma):
    n = len(pts)
    sigma = min(sigma, (n - 1) / 6)
    radius = int(math.ceil(3 * sigma))
    k = np.arange(-radius, radius + 1)
    wts = np.exp(-0.5 * k * k / sigma ** 2)
    wts /= wts.sum()
    return sum(wt * np.roll(pts, -int(s), axis=0) for s, wt in zip(k, wts))


def bilinear(img, x, y):
    h, w = img.shape
    x = np.clip(x, 0, w - 1)
    y = np.clip(y, 0, h - 1)
    x0 = np.minimum(np.floor(x).astype(int), max(w - 2, 0))
    y0 = np.minimum(np.floor(y).astype(int), max(h - 2, 0))
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    fx, fy = x - x0, y - y0
    top = img[y0, x0] * (1 - fx) + img[y0, x1] * fx
    bottom = img[y1, x0] * (1 - fx) + img[y1, x1] * fx
    return top * (1 - fy) + bottom * fy


def box_dimension(region):
    pad = np.pad(region, 1)
    edge = region & ~(pad[:-2, 1:-1] & pad[2:, 1:-1] & pad[1:-1, :-2] & pad[1:-1, 2:])
    ys, xs = np.nonzero(edge)
    ry, rx = np.nonzero(region)
    x0, y0 = rx.min(), ry.min()
    extent = max(rx.max() - x0 + 1, ry.max() - y0 + 1)
    sizes = []
    s = 2
    while s <= extent // 4:
        sizes.append(s)
        s *= 2
    if len(sizes) < 2:
        sizes.insert(0, 1)
    if len(sizes) < 2:
        sizes.append(2)
    # Mean count over four grids offset by half a box.
    counts = [np.mean([len(set(zip(((xs - x0 + ox) // s).tolist(), ((ys - y0 + oy) // s).tolist())))
                       for ox in (0, s // 2) for oy in (0, s // 2)]) for s in sizes]
    return float(np.polyfit(np.log(1.0 / np.array(sizes)), np.log(np.array(counts, dtype=np.float64)), 1)[0])


def round_half_up(x):
    return int(math.floor(x + 0.5))


def main():
    rgb_file, mask_file, width, height, consts_json = sys.argv[1:6]
    w, h = int(width), int(height)
    k = json.loads(consts_json)
    rgb = np.fromfile(rgb_file, dtype=np.uint8).reshape(h, w, 3)
    region = clean_mask(np.fromfile(mask_file, dtype=np.uint8).reshape(h, w))
    ys, xs = np.nonzero(region)
    area = len(xs)
    cx, cy = xs.mean(), ys.mean()
    mu20, mu02, mu11 = ((xs - cx) ** 2).mean(), ((ys - cy) ** 2).mean(), ((xs - cx) * (ys - cy)).mean()
    theta = 0.5 * math.atan2(2 * mu11, mu20 - mu02)
    u = np.array([math.cos(theta), math.sin(theta)])
    v = np.array([-u[1], u[0]])
    grey = rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114

    # C: HSV spread on the raw pixels.
    px = rgb[region].astype(np.float64)
    r, g, b = px[:, 0], px[:, 1], px[:, 2]
    mx, mn = px.max(axis=1), px.min(axis=1)
    rng = mx - mn
    sat = np.where(mx > 0, 255 * rng / np.where(mx > 0, mx, 1), 0)
    safe = np.where(rng > 0, rng, 1)
    hue = np.where(mx == r, 60 * (g - b) / safe, np.where(mx == g, 120 + 60 * (b - r) / safe, 240 + 60 * (r - g) / safe))
    hue = np.where(rng > 0, hue, 0)
    resultant = abs(np.exp(1j * np.radians(hue)).mean())
    sigma_h = math.sqrt(max(0.0, -2 * math.log(min(resultant, 1.0)))) * 255 / (2 * math.pi)

    # C: colour constancy from the surrounding skin, then the nearest reference colour (the six
    # colours and the skin) on the 3x3 mean of lesion pixels, references placed relative to the skin.
    lin = srgb_to_linear(rgb)
    p = k['shades_of_grey_order']
    reach = math.ceil(k['skin_reach'] * math.sqrt(area / math.pi))
    near = np.zeros((h, w), dtype=bool)
    near[max(0, ys.min() - reach):ys.max() + reach + 1, max(0, xs.min() - reach):xs.max() + reach + 1] = True
    candidates = near & ~region
    wide = rgb.astype(np.int64)  # 587 * uint8 would wrap
    grey_byte = (299 * wide[..., 0] + 587 * wide[..., 1] + 114 * wide[..., 2] + 500) // 1000
    if candidates.sum() >= k['min_skin_pixels']:
        cut = np.sort(grey_byte[candidates])[int(math.floor(k['skin_dark_fraction'] * candidates.sum()))]
        skin_px = lin[candidates & (grey_byte >= cut)]
        skin_pixels = len(skin_px)
    else:
        skin_px = lin.reshape(-1, 3)
        skin_pixels = 0
    illuminant = (skin_px ** p).mean(axis=0) ** (1 / p)
    gain = np.array(k['canonical_illuminant']) / illuminant
    skin_lab = linear_to_lab(np.minimum(skin_px.mean(axis=0) * gain, 1.0))
    masked = np.pad(lin * region[..., None], ((1, 1), (1, 1), (0, 0)))
    count = np.pad(region.astype(np.float64), 1)
    sums = sum(masked[dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3))
    cnt = sum(count[dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3))
    mean = sums[region] / cnt[region][:, None]
    lab = linear_to_lab(np.minimum(mean * gain, 1.0))
    names = list(k['reference_colours'])  # the six colours in feature order, then 'skin'
    refs = np.array([[v[i] + (skin_lab[i] if v[3 + i] else 0.0) for i in range(3)] for v in k['reference_colours'].values()])
    cls = ((lab[:, None, :] - refs[None]) ** 2).sum(axis=-1).argmin(axis=1)
    fractions = np.bincount(cls, minlength=7)[:6] / area
    present = fractions >= np.array([k['color_present_fractions'][c] for c in names[:6]])
    class_map = np.full((h, w), 7)
    class_map[region] = cls

    # A: mirror about each principal axis (normal = the other axis).
    shape_miss, colour_miss = [], []
    a_value = None
    for normal in (v, u):
        t = 2 * ((xs - cx) * normal[0] + (ys - cy) * normal[1])
        mxs, mys = xs - t * normal[0], ys - t * normal[1]
        if a_value is None:
            a_value = float(np.abs(grey[ys, xs] - bilinear(grey, mxs, mys)).mean())
        qx, qy = np.floor(mxs + 0.5).astype(int), np.floor(mys + 0.5).astype(int)
        inside = (qx >= 0) & (qy >= 0) & (qx < w) & (qy < h)
        inside[inside] = region[qy[inside], qx[inside]]
        shape_miss.append(1 - inside.mean())
        colour_miss.append(float((class_map[ys[inside], xs[inside]] != class_map[qy[inside], qx[inside]]).mean()) if inside.any() else 0.0)

    # B: smoothed contour, curvature, compactness, fractal dimension, abrupt sectors.
    radius = math.sqrt(area / math.pi)
    contour = smooth_closed(crack_contour(region), max(k['contour_sigma_min'], k['contour_sigma_scale'] * math.sqrt(2 * radius)))
    seg = np.roll(contour, -1, axis=0) - contour
    lengths = np.hypot(seg[:, 0], seg[:, 1])
    perimeter = float(lengths.sum())
    heading = np.arctan2(seg[lengths > 0, 1], seg[lengths > 0, 0])
    turns = (np.roll(heading, -1) - heading + math.pi) % (2 * math.pi) - math.pi
    b2 = float(np.abs(turns).sum() / perimeter)

    tangent = np.roll(contour, -1, axis=0) - np.roll(contour, 1, axis=0)
    tangent /= np.hypot(tangent[:, 0], tangent[:, 1])[:, None]
    normals = np.stack([tangent[:, 1], -tangent[:, 0]], axis=1)
    narrow = max(2, round_half_up(k['narrow_fraction'] * radius))
    reach = max(4 * narrow, round_half_up(k['profile_fraction'] * radius))
    d = contour - np.array([cx, cy])
    phi = np.arctan2(d @ v, d @ u)
    sector = np.clip(np.floor((phi + math.pi) / (math.pi / 4)).astype(int), 0, 7)
    ends = [contour + s * reach * normals for s in (-1, 1)]
    ok = np.all([(e[:, 0] >= 0) & (e[:, 1] >= 0) & (e[:, 0] <= w - 1) & (e[:, 1] <= h - 1) for e in ends], axis=0)
    offsets = np.arange(-reach, reach + 1)
    profiles = bilinear(grey, contour[:, 0:1] + offsets * normals[:, 0:1], contour[:, 1:2] + offsets * normals[:, 1:2])
    abrupt = []
    for s in range(8):
        sel = ok & (sector == s)
        if not sel.any():
            abrupt.append(False)
            continue
        prof = profiles[sel].mean(axis=0)
        contrast = prof[-3:].mean() - prof[:3].mean()
        if abs(contrast) < k['min_border_contrast']:
            abrupt.append(False)
            continue
        steps = np.sign(contrast) * (prof[2 * narrow:] - prof[:-2 * narrow])
        abrupt.append(bool(steps.max() / abs(contrast) >= k['abrupt_fraction']))

    index = [(s + c) / 2 for s, c in zip(shape_miss, colour_miss)]
    print(json.dumps({
        'A': a_value,
        'B2': b2,
        'sigma_h': sigma_h,
        'sigma_s': float(sat.std()),
        'sigma_v': float(mx.std()),
        'asymmetry_shape': [float(x) for x in shape_miss],
        'asymmetry_colour': colour_miss,
        'asymmetry_index': [float(i) for i in index],
        'asymmetry_axes': int(sum(i > k['asymmetry_threshold'] for i in index)),
        'compactness': perimeter ** 2 / (4 * math.pi * area),
        'fractal_dimension': box_dimension(region),
        'border_score': int(sum(abrupt)),
        'color_fractions': dict(zip(names[:6], fractions.tolist())),
        'color_count': int(present.sum()),
        'skin_lab': skin_lab.tolist(),
        'skin_pixels': skin_pixels,
        'skin_like_fraction': float((cls == 6).mean()),
        'area_px': area,
        'perimeter_px': perimeter,
    }))


if __name__ == '__main__':
    main()
