// Geometry shared by conv2d and conv_transpose2d: attr parsing, output sizes, and the one
// "underlying convolution" both ops are made of (conv_transpose2d is the adjoint of a conv2d).
import { type Attrs, type OpCost, type OpDef, opError, pairAttr, numAttr, refTensor, type RefTensor } from './op.js';

/** Normalised conv2d attrs (docs/ops.md). */
export type ConvAttrs = {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
};

/** Normalised conv_transpose2d attrs (docs/ops.md). */
export type ConvTransposeAttrs = ConvAttrs & { output_padding: [number, number] };

/**
 * A direct convolution from an "image" [n, c, h, w] to an "output" [n, o, ho, wo] with a weight
 * [o, c/groups, kh, kw]. conv2d: image = x, output = y. conv_transpose2d: image = y, output = x
 * (its forward is this convolution's input gradient).
 */
export interface ConvGeometry {
  n: number;
  c: number; h: number; w: number;
  o: number; ho: number; wo: number;
  kh: number; kw: number;
  sh: number; sw: number;
  ph: number; pw: number;
  dh: number; dw: number;
  groups: number;
  /** Channels per group on the image side (c / groups) and on the output side (o / groups). */
  cg: number; og: number;
}

/** Reads the attrs common to both ops, with PyTorch's checks and error wording. */
export function readConvAttrs(op: string, shapes: number[][], attrs: Attrs, allowStringPadding: boolean): ConvAttrs & { paddingMode?: 'same' } {
  const stride = pairAttr(op, shapes, attrs, 'stride', [1, 1]);
  const dilation = pairAttr(op, shapes, attrs, 'dilation', [1, 1]);
  const groups = numAttr(op, shapes, attrs, 'groups', 1);
  if (!Number.isInteger(groups)) throw opError(op, shapes, `attr groups must be an integer, got ${groups}`);
  if (stride.some((s) => s <= 0)) throw opError(op, shapes, `non-positive stride is not supported (stride ${stride})`);
  if (dilation.some((d) => d <= 0)) throw opError(op, shapes, `non-positive dilation is not supported (dilation ${dilation})`);
  if (groups <= 0) throw opError(op, shapes, `non-positive groups is not supported (groups ${groups})`);
  const rawPadding = attrs.padding;
  if (typeof rawPadding === 'string') {
    if (!allowStringPadding) throw opError(op, shapes, `padding must be an integer or a pair of integers, got '${rawPadding}'`);
    if (rawPadding === 'valid') return { stride, padding: [0, 0], dilation, groups };
    if (rawPadding !== 'same') throw opError(op, shapes, `padding must be 'same', 'valid', an integer or a pair, got '${rawPadding}'`);
    if (stride.some((s) => s !== 1)) throw opError(op, shapes, `padding='same' is not supported for strided convolutions (stride ${stride})`);
    return { stride, padding: [0, 0], dilation, groups, paddingMode: 'same' };
  }
  const padding = pairAttr(op, shapes, attrs, 'padding', [0, 0]);
  if (padding.some((p) => p < 0)) throw opError(op, shapes, `negative padding is not supported (padding ${padding})`);
  return { stride, padding, dilation, groups };
}

/** padding='same' as symmetric padding; PyTorch pads an odd total asymmetrically, which this contract cannot express. */
export function samePadding(op: string, shapes: number[][], kernel: [number, number], dilation: [number, number]): [number, number] {
  const total = [dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)];
  if (total.some((t) => t % 2 !== 0)) {
    throw opError(op, shapes, `padding='same' with an even effective kernel size (${kernel} at dilation ${dilation}) needs asymmetric padding, which ${op} does not support: pad the input explicitly`);
  }
  return [total[0] / 2, total[1] / 2];
}

/** Checks the input count and that x and weight are 4-D with non-zero sizes (the batch may be 0). */
export function checkConvInputs(op: string, shapes: number[][]): void {
  if (shapes.length < 2 || shapes.length > 3) throw opError(op, shapes, `expects 2 or 3 inputs (x, weight, bias?), got ${shapes.length}`);
  const [x, w] = shapes;
  if (x.length !== 4) throw opError(op, shapes, `x must be 4-D [N, C, H, W], got rank ${x.length}`);
  if (w.length !== 4) throw opError(op, shapes, `weight must be 4-D, got rank ${w.length}`);
  if (w.some((d) => d < 1) || x.slice(1).some((d) => d < 1)) throw opError(op, shapes, 'x (apart from the batch) and weight need non-zero sizes');
}

/** Checks the weight's first dimension splits into `groups` equal parts (PyTorch's wording). */
export function checkWeightGroups(op: string, shapes: number[][], groups: number): void {
  if (shapes[1][0] % groups !== 0) throw opError(op, shapes, `given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0`);
}

/** Checks an optional bias (third input) is [channels]. */
export function checkBias(op: string, shapes: number[][], channels: number): void {
  const b = shapes[2];
  if (b && (b.length !== 1 || b[0] !== channels)) {
    throw opError(op, shapes, `expected bias to be 1-dimensional with ${channels} elements, got [${b}]`);
  }
}

/** Output length of a convolution along one dimension (PyTorch's formula). */
export function convOutSize(size: number, kernel: number, stride: number, pad: number, dilation: number): number {
  return Math.floor((size + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1;
}

/** Output length of a transposed convolution along one dimension. */
export function convTransposeOutSize(size: number, kernel: number, stride: number, pad: number, dilation: number, outPad: number): number {
  return (size - 1) * stride - 2 * pad + dilation * (kernel - 1) + outPad + 1;
}

/** The convolution of conv2d(x[N,C,H,W], w[O,C/g,kh,kw]). */
export function conv2dGeometry(x: readonly number[], w: readonly number[], a: ConvAttrs): ConvGeometry {
  const [n, c, h, wi] = x;
  const [o, , kh, kw] = w;
  return makeGeometry(n, c, h, wi, o, convOutSize(h, kh, a.stride[0], a.padding[0], a.dilation[0]),
    convOutSize(wi, kw, a.stride[1], a.padding[1], a.dilation[1]), kh, kw, a);
}

/** The convolution whose input gradient is conv_transpose2d(x[N,C,H,W], w[C,O/g,kh,kw]): image = y, output = x. */
export function convTransposeGeometry(x: readonly number[], w: readonly number[], a: ConvTransposeAttrs): ConvGeometry {
  const [n, c, h, wi] = x;
  const [, og, kh, kw] = w;
  const ho = convTransposeOutSize(h, kh, a.stride[0], a.padding[0], a.dilation[0], a.output_padding[0]);
  const wo = convTransposeOutSize(wi, kw, a.stride[1], a.padding[1], a.dilation[1], a.output_padding[1]);
  return makeGeometry(n, og * a.groups, ho, wo, c, h, wi, kh, kw, a);
}

function makeGeometry(n: number, c: number, h: number, w: number, o: number, ho: number, wo: number, kh: number, kw: number, a: ConvAttrs): ConvGeometry {
  return {
    n, c, h, w, o, ho, wo, kh, kw,
    sh: a.stride[0], sw: a.stride[1], ph: a.padding[0], pw: a.padding[1], dh: a.dilation[0], dw: a.dilation[1],
    groups: a.groups, cg: c / a.groups, og: o / a.groups,
  };
}

/** FLOPs of the convolution's multiply-adds (every tap, padding included, as the GEMM does them). */
export function convFlops(g: ConvGeometry): number {
  return 2 * g.n * g.o * g.ho * g.wo * g.cg * g.kh * g.kw;
}

/** Cost of one call: the taps' multiply-adds (+ the bias adds) and the bytes of x, weight, bias and the result. */
export function convCost(g: ConvGeometry, shapes: number[][], resultNumel: number): OpCost {
  const [x, w, b] = shapes;
  return {
    flops: convFlops(g) + (b ? resultNumel : 0),
    bytes: 4 * (numelOf(x) + numelOf(w) + (b ? b[0] : 0) + resultNumel),
  };
}

function numelOf(s: readonly number[]): number {
  return s.reduce((p, d) => p * d, 1);
}

/**
 * Calls fn(imageIndex, weightIndex, outputIndex) for every tap of the convolution that lands
 * inside the image: output[outputIndex] += image[imageIndex] * weight[weightIndex]. The float64
 * references of both ops (forward and every gradient) are sums over these taps.
 */
export function forEachTap(g: ConvGeometry, fn: (image: number, weight: number, output: number) => void): void {
  for (let n = 0; n < g.n; n++)
    for (let o = 0; o < g.o; o++) {
      const group = Math.floor(o / g.og);
      for (let oh = 0; oh < g.ho; oh++)
        for (let ow = 0; ow < g.wo; ow++) {
          const outIndex = ((n * g.o + o) * g.ho + oh) * g.wo + ow;
          for (let ci = 0; ci < g.cg; ci++) {
            const c = group * g.cg + ci;
            for (let i = 0; i < g.kh; i++) {
              const ih = oh * g.sh - g.ph + i * g.dh;
              if (ih < 0 || ih >= g.h) continue;
              for (let j = 0; j < g.kw; j++) {
                const iw = ow * g.sw - g.pw + j * g.dw;
                if (iw < 0 || iw >= g.w) continue;
                fn(((n * g.c + c) * g.h + ih) * g.w + iw, ((o * g.cg + ci) * g.kh + i) * g.kw + j, outIndex);
              }
            }
          }
        }
    }
}

/**
 * Which side of the underlying convolution an op's x is: conv2d's x is the image (y the output),
 * conv_transpose2d's x is the output (y the image).
 */
export type ConvSide = 'x-is-image' | 'x-is-output';

/** forEachTap with the tap's indices as (x, weight, y) of the op. */
function forEachXYTap(g: ConvGeometry, side: ConvSide, fn: (xi: number, wi: number, yi: number) => void): void {
  if (side === 'x-is-image') forEachTap(g, fn);
  else forEachTap(g, (image, wi, output) => fn(output, wi, image));
}

/**
 * The parts of the op definition conv2d and conv_transpose2d share, from the op's geometry and
 * its side: y's shape, which inputs get gradients, the cost, and the float64 references (sums
 * over the taps of the underlying convolution).
 */
export function convOpParts<A extends ConvAttrs>(
  geometry: (x: readonly number[], w: readonly number[], a: A) => ConvGeometry,
  side: ConvSide,
): Pick<OpDef<A>, 'outputShapes' | 'differentiable' | 'cost' | 'reference'> {
  const yShape = (g: ConvGeometry): number[] => (side === 'x-is-image' ? [g.n, g.o, g.ho, g.wo] : [g.n, g.c, g.h, g.w]);
  return {
    outputShapes: ([x, w], a) => [yShape(geometry(x, w, a))],
    differentiable: (shapes) => [true, true, shapes.length > 2],
    cost(shapes, a) {
      const g = geometry(shapes[0], shapes[1], a);
      return convCost(g, shapes, numelOf(yShape(g)));
    },
    reference: {
      forward([x, w, bias], a) {
        const g = geometry(x.shape, w.shape, a);
        const y = refTensor(yShape(g));
        forEachXYTap(g, side, (xi, wi, yi) => { y.data[yi] += x.data[xi] * w.data[wi]; });
        if (bias) addBias(y, bias);
        return [y];
      },
      backward([x, w, bias], _outs, [dy], a) {
        const g = geometry(x.shape, w.shape, a);
        const dx = refTensor(x.shape), dw = refTensor(w.shape);
        forEachXYTap(g, side, (xi, wi, yi) => {
          dx.data[xi] += dy.data[yi] * w.data[wi];
          dw.data[wi] += x.data[xi] * dy.data[yi];
        });
        return [dx, dw, bias ? biasGrad(dy) : null];
      },
    },
  };
}

/** bias[ch] added to every element of channel ch of t [N, ch, ...]. */
export function addBias(t: RefTensor, bias: RefTensor): void {
  const [n, ch] = t.shape;
  const plane = t.data.length / Math.max(1, n * ch);
  for (let k = 0; k < t.data.length; k++) t.data[k] += bias.data[Math.floor(k / plane) % ch];
}

/** Gradient of a per-channel bias: the sum of dy over batch and space. */
export function biasGrad(dy: RefTensor): RefTensor {
  const [n, ch] = dy.shape;
  const plane = dy.data.length / Math.max(1, n * ch);
  const db = refTensor([ch]);
  for (let k = 0; k < dy.data.length; k++) db.data[Math.floor(k / plane) % ch] += dy.data[k];
  return db;
}
