// The 2-D pooling ops (max, avg, adaptive avg) share one core: along each spatial axis every
// output index owns a window of input taps (start, step, count, clipped to the input), and the
// average's divisor is a product of one factor per axis. Backends build their tables from it.
import { defineOp, numAttr, opError, pairAttr, refTensor, type Attrs, type OpDef, type RefTensor } from './op.js';

/** Taps of one output index along one axis, already clipped to [0, size). */
export interface AxisWindow {
  /** First valid input index. */
  first: number;
  /** Distance between taps (the dilation). */
  step: number;
  /** Number of valid taps (0 only for windows that lie in the padding). */
  count: number;
  /** This axis's factor of the average's divisor. */
  divisor: number;
}

export type PoolKind = 'max' | 'avg' | 'adaptive';

export interface PoolAttrs extends Attrs {
  kernel: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
  count_include_pad: number;
  output_size: number[];
}

/** Windows of a strided, padded, dilated sliding window (max_pool2d / avg_pool2d, PyTorch's formulas). */
function slidingWindows(size: number, outSize: number, k: number, s: number, p: number, d: number, includePad: boolean): AxisWindow[] {
  const windows: AxisWindow[] = [];
  for (let o = 0; o < outSize; o++) {
    const start = o * s - p;
    // Skip taps that fall in the padding; with dilation the first valid tap is ceil(-start / d).
    const t0 = start < 0 ? Math.ceil(-start / d) : 0;
    let t1 = k;
    while (t1 > t0 && start + (t1 - 1) * d >= size) t1--;
    // avg_pool2d divides by the window clipped to the padded input (count_include_pad) or to the input.
    const padded = Math.min(start + k, size + p) - start;
    windows.push({ first: start + t0 * d, step: d, count: Math.max(0, t1 - t0), divisor: includePad ? padded : Math.max(0, t1 - t0) });
  }
  return windows;
}

/** adaptive_avg_pool2d's windows: [floor(o·in/out), ceil((o+1)·in/out)). */
function adaptiveWindows(size: number, outSize: number): AxisWindow[] {
  const windows: AxisWindow[] = [];
  for (let o = 0; o < outSize; o++) {
    const start = Math.floor((o * size) / outSize), end = Math.ceil(((o + 1) * size) / outSize);
    windows.push({ first: start, step: 1, count: end - start, divisor: end - start });
  }
  return windows;
}

/** The windows of both spatial axes for a pooling op on x[N, C, H, W] with output [.., oh, ow]. */
export function poolWindows(kind: PoolKind, x: readonly number[], out: readonly number[], a: PoolAttrs): [AxisWindow[], AxisWindow[]] {
  const axis = (i: 0 | 1) => {
    const size = x[2 + i], outSize = out[2 + i];
    if (kind === 'adaptive') return adaptiveWindows(size, outSize);
    return slidingWindows(size, outSize, a.kernel[i], a.stride[i], a.padding[i], a.dilation[i], kind === 'max' || a.count_include_pad === 1);
  };
  return [axis(0), axis(1)];
}

function checkInput(op: string, shapes: number[][]): void {
  if (shapes.length !== 1) throw opError(op, shapes, `expects 1 input, got ${shapes.length}`);
  if (shapes[0].length !== 4) throw opError(op, shapes, 'expects x of shape [N, C, H, W]');
}

/** kernel, stride (default kernel), padding, dilation, validated as PyTorch does. */
function slidingAttrs(op: string, shapes: number[][], attrs: Attrs, withDilation: boolean): PoolAttrs {
  checkInput(op, shapes);
  const kernel = pairAttr(op, shapes, attrs, 'kernel');
  const strideGiven = attrs.stride !== undefined && !(Array.isArray(attrs.stride) && attrs.stride.length === 0);
  const stride = strideGiven ? pairAttr(op, shapes, attrs, 'stride') : kernel;
  const padding = pairAttr(op, shapes, attrs, 'padding', [0, 0]);
  const dilation = withDilation ? pairAttr(op, shapes, attrs, 'dilation', [1, 1]) : [1, 1];
  // dilation 1 is what normalize returns, so already-normalised attrs pass again
  if (!withDilation && attrs.dilation !== undefined && pairAttr(op, shapes, attrs, 'dilation').some((d) => d !== 1)) {
    throw opError(op, shapes, 'has no dilation attr');
  }
  const positive = (name: string, v: number[]) => {
    if (!v.every((x) => x > 0)) throw opError(op, shapes, `${name} must be positive, got [${v}]`);
  };
  positive('kernel', kernel);
  positive('stride', stride);
  positive('dilation', dilation);
  for (let i = 0; i < 2; i++) {
    if (padding[i] < 0 || padding[i] > Math.floor(kernel[i] / 2)) {
      throw opError(op, shapes, `padding must be between 0 and half the kernel size, got padding [${padding}] for kernel [${kernel}]`);
    }
  }
  const a: PoolAttrs = { kernel, stride, padding, dilation, count_include_pad: 1, output_size: [] };
  const x = shapes[0];
  a.output_size = [0, 1].map((i) => Math.floor((x[2 + i] + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1) / stride[i]) + 1);
  if (a.output_size.some((o) => o < 1)) {
    throw opError(op, shapes, `output size [${a.output_size}] is too small for kernel [${kernel}], stride [${stride}], padding [${padding}], dilation [${dilation}]`);
  }
  return a;
}

function poolOp(name: string, kind: PoolKind, normalize: (shapes: number[][], attrs: Attrs) => PoolAttrs): OpDef<PoolAttrs> {
  return defineOp<PoolAttrs>({
    name,
    inputs: ['x'],
    outputs: ['y'],
    normalize,
    outputShapes([x], a) {
      return [[x[0], x[1], a.output_size[0], a.output_size[1]]];
    },
    differentiable: () => [true],
    cost([x], a) {
      const [wh, ww] = poolWindows(kind, x, [x[0], x[1], a.output_size[0], a.output_size[1]], a);
      const taps = wh.reduce((s, w) => s + w.count, 0) * ww.reduce((s, w) => s + w.count, 0);
      const outPlane = a.output_size[0] * a.output_size[1];
      return { flops: x[0] * x[1] * taps, bytes: 4 * x[0] * x[1] * (x[2] * x[3] + outPlane) };
    },
    reference: {
      forward([x], a) {
        const [n, c, h, w] = x.shape, [oh, ow] = a.output_size;
        const y = refTensor([n, c, oh, ow]);
        const [wh, ww] = poolWindows(kind, x.shape, y.shape, a);
        for (let p = 0; p < n * c; p++)
          for (let i = 0; i < oh; i++)
            for (let j = 0; j < ow; j++) {
              const taps = windowTaps(wh[i], ww[j], w).map((t) => x.data[p * h * w + t]);
              y.data[(p * oh + i) * ow + j] = kind === 'max' ? firstMax(taps).value : taps.reduce((s, v) => s + v, 0) / (wh[i].divisor * ww[j].divisor);
            }
        return [y];
      },
      backward([x], _outs, [dy], a) {
        const [n, c, h, w] = x.shape, [oh, ow] = a.output_size;
        const dx = refTensor(x.shape);
        const [wh, ww] = poolWindows(kind, x.shape, dy.shape, a);
        for (let p = 0; p < n * c; p++)
          for (let i = 0; i < oh; i++)
            for (let j = 0; j < ow; j++) {
              const g = dy.data[(p * oh + i) * ow + j];
              const taps = windowTaps(wh[i], ww[j], w);
              if (kind === 'max') {
                if (taps.length) dx.data[p * h * w + taps[firstMax(taps.map((t) => x.data[p * h * w + t])).index]] += g;
              } else {
                for (const t of taps) dx.data[p * h * w + t] += g / (wh[i].divisor * ww[j].divisor);
              }
            }
        return [dx];
      },
    },
  });
}

/** Plane offsets (row-major, width w) of a window's valid taps, rows then columns. */
function windowTaps(wy: AxisWindow, wx: AxisWindow, w: number): number[] {
  const taps: number[] = [];
  for (let ty = 0; ty < wy.count; ty++) for (let tx = 0; tx < wx.count; tx++) taps.push((wy.first + ty * wy.step) * w + wx.first + tx * wx.step);
  return taps;
}

/** PyTorch's max in scan order: the first maximum wins, a NaN wins over numbers (the last NaN). */
function firstMax(values: number[]): { value: number; index: number } {
  let value = -Infinity, index = 0;
  values.forEach((v, i) => {
    if (v > value || Number.isNaN(v)) { value = v; index = i; }
  });
  return { value, index };
}

/** F.max_pool2d (ceil_mode False): kernel, stride (default kernel), padding, dilation. */
export const maxPool2d = poolOp('max_pool2d', 'max', (shapes, attrs) => slidingAttrs('max_pool2d', shapes, attrs, true));

/** F.avg_pool2d (ceil_mode False, no divisor_override): kernel, stride, padding, count_include_pad. */
export const avgPool2d = poolOp('avg_pool2d', 'avg', (shapes, attrs) => {
  const a = slidingAttrs('avg_pool2d', shapes, attrs, false);
  a.count_include_pad = numAttr('avg_pool2d', shapes, attrs, 'count_include_pad', 1) ? 1 : 0;
  return a;
});

/** F.adaptive_avg_pool2d: output_size (int or pair). */
export const adaptiveAvgPool2d = poolOp('adaptive_avg_pool2d', 'adaptive', (shapes, attrs) => {
  checkInput('adaptive_avg_pool2d', shapes);
  const output_size = pairAttr('adaptive_avg_pool2d', shapes, attrs, 'output_size');
  if (!output_size.every((o) => o > 0)) throw opError('adaptive_avg_pool2d', shapes, `output_size must be positive, got [${output_size}]`);
  if (shapes[0][2] < 1 || shapes[0][3] < 1) throw opError('adaptive_avg_pool2d', shapes, 'needs a non-empty H and W');
  return { kernel: [], stride: [], padding: [], dilation: [], count_include_pad: 1, output_size };
});

export type { RefTensor };
