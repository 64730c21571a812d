// F.interpolate on x[N, C, H, W], modes 'bilinear' (align_corners=False) and 'nearest'. Both are
// separable resamplings: along each axis an output index reads at most two input taps with
// weights, so one table per axis describes either mode (see axisTaps).
import { defineOp, opError, refTensor, type Attrs, type OpDef } from './op.js';

export type UpsampleMode = 'bilinear' | 'nearest';

export interface UpsampleAttrs extends Attrs {
  size: number[];
  /** Source coordinate per destination step, as the f32 value PyTorch's kernels use. */
  coord_scale: number[];
}

/** One output index along one axis: y = w0·x[i0] + w1·x[i1] (nearest: w1 = 0, i1 = i0). */
export interface AxisTap {
  i0: number;
  i1: number;
  w0: number;
  w1: number;
}

const f32 = Math.fround;

/**
 * PyTorch 1.13's source taps, in f32 arithmetic as its CPU kernels compute them:
 * bilinear: src = max(0, scale·(dst + 0.5) − 0.5), i0 = floor(src), i1 = min(i0 + 1, in − 1), λ = src − i0;
 * nearest: i0 = min(floor(dst·scale), in − 1).
 */
export function axisTaps(mode: UpsampleMode, inSize: number, outSize: number, coordScale: number): AxisTap[] {
  const scale = f32(coordScale);
  const taps: AxisTap[] = [];
  for (let o = 0; o < outSize; o++) {
    if (mode === 'nearest') {
      const i0 = Math.min(Math.floor(f32(o * scale)), inSize - 1);
      taps.push({ i0, i1: i0, w0: 1, w1: 0 });
    } else {
      const src = Math.max(0, f32(f32(scale * f32(o + 0.5)) - 0.5));
      const i0 = Math.floor(src);
      const lambda = f32(src - i0);
      taps.push({ i0, i1: i0 < inSize - 1 ? i0 + 1 : i0, w0: f32(1 - lambda), w1: lambda });
    }
  }
  return taps;
}

/** A number or a pair of positive finite numbers. */
function positivePair(op: string, shapes: number[][], attrs: Attrs, name: string): [number, number] {
  const v = attrs[name];
  const pair = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((x) => Number.isFinite(x) && x > 0)) {
    throw opError(op, shapes, `attr ${name} must be a positive number or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [pair[0], pair[1]];
}

/**
 * Exactly one of `size` (int or pair) and `scale` (number or pair) from the user; normalised to
 * size + coord_scale (docs/ops.md). Already-normalised attrs (size + coord_scale) pass unchanged.
 */
function normalizeUpsample(op: string, mode: UpsampleMode, shapes: number[][], attrs: Attrs): UpsampleAttrs {
  if (shapes.length !== 1) throw opError(op, shapes, `expects 1 input, got ${shapes.length}`);
  const x = shapes[0];
  if (x.length !== 4) throw opError(op, shapes, 'expects x of shape [N, C, H, W]');
  if (x[2] < 1 || x[3] < 1) throw opError(op, shapes, 'needs a non-empty H and W');
  const hasSize = attrs.size !== undefined, hasScale = attrs.scale !== undefined;
  if (hasSize === hasScale) throw opError(op, shapes, 'needs exactly one of the attrs size and scale');
  let size: number[], coord: number[];
  if (hasScale) {
    if (attrs.coord_scale !== undefined) throw opError(op, shapes, 'attr coord_scale goes with size, not scale');
    const scale = positivePair(op, shapes, attrs, 'scale');
    size = [0, 1].map((i) => Math.floor(x[2 + i] * scale[i]));
    coord = scale.map((s) => 1 / s);
  } else {
    const s = attrs.size;
    const pair = typeof s === 'number' ? [s, s] : s;
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((v) => Number.isInteger(v))) {
      throw opError(op, shapes, `attr size must be an integer or a pair of integers, got ${JSON.stringify(s)}`);
    }
    size = [...pair];
    coord = attrs.coord_scale !== undefined ? positivePair(op, shapes, attrs, 'coord_scale') : [0, 1].map((i) => x[2 + i] / size[i]);
  }
  if (!size.every((v) => v > 0)) throw opError(op, shapes, `output size [${size}] must be positive`);
  const coord_scale = coord.map((c, i) => {
    // PyTorch copies when out == in (both modes) and nearest halves when out == 2·in, whatever the
    // scale factor said; these coord_scale values give exactly that with the formulas above.
    if (size[i] === x[2 + i]) return 1;
    if (mode === 'nearest' && size[i] === 2 * x[2 + i]) return 0.5;
    return f32(c);
  });
  return { size, coord_scale };
}

function upsampleOp(name: string, mode: UpsampleMode): OpDef<UpsampleAttrs> {
  return defineOp<UpsampleAttrs>({
    name,
    inputs: ['x'],
    outputs: ['y'],
    normalize: (shapes, attrs) => normalizeUpsample(name, mode, shapes, attrs),
    outputShapes([x], a) {
      return [[x[0], x[1], a.size[0], a.size[1]]];
    },
    differentiable: () => [true],
    cost([x], a) {
      const outs = x[0] * x[1] * a.size[0] * a.size[1];
      return { flops: mode === 'bilinear' ? 6 * outs : 0, bytes: 4 * (x[0] * x[1] * x[2] * x[3] + outs) };
    },
    reference: {
      forward([x], a) {
        const [n, c, h, w] = x.shape, [oh, ow] = a.size;
        const y = refTensor([n, c, oh, ow]);
        const th = axisTaps(mode, h, oh, a.coord_scale[0]), tw = axisTaps(mode, w, ow, a.coord_scale[1]);
        for (let p = 0; p < n * c; p++) {
          const at = (i: number, j: number) => x.data[(p * h + i) * w + j];
          for (let i = 0; i < oh; i++)
            for (let j = 0; j < ow; j++) {
              const r = th[i], s = tw[j];
              y.data[(p * oh + i) * ow + j] =
                r.w0 * (s.w0 * at(r.i0, s.i0) + s.w1 * at(r.i0, s.i1)) + r.w1 * (s.w0 * at(r.i1, s.i0) + s.w1 * at(r.i1, s.i1));
            }
        }
        return [y];
      },
      backward([x], _outs, [dy], a) {
        const [n, c, h, w] = x.shape, [oh, ow] = a.size;
        const dx = refTensor(x.shape);
        const th = axisTaps(mode, h, oh, a.coord_scale[0]), tw = axisTaps(mode, w, ow, a.coord_scale[1]);
        for (let p = 0; p < n * c; p++) {
          const add = (i: number, j: number, v: number) => { dx.data[(p * h + i) * w + j] += v; };
          for (let i = 0; i < oh; i++)
            for (let j = 0; j < ow; j++) {
              const g = dy.data[(p * oh + i) * ow + j], r = th[i], s = tw[j];
              add(r.i0, s.i0, g * r.w0 * s.w0);
              add(r.i0, s.i1, g * r.w0 * s.w1);
              add(r.i1, s.i0, g * r.w1 * s.w0);
              add(r.i1, s.i1, g * r.w1 * s.w1);
            }
        }
        return [dx];
      },
    },
  });
}

/** F.interpolate(mode='bilinear', align_corners=False): attrs size or scale. */
export const upsampleBilinear2d = upsampleOp('upsample_bilinear2d', 'bilinear');
/** F.interpolate(mode='nearest'): attrs size or scale. */
export const upsampleNearest2d = upsampleOp('upsample_nearest2d', 'nearest');
