// Records the convolution products of src/wgsl/conv.wgsl (implicit GEMM) and the reductions of
// src/wgsl/conv_reduce.wgsl; conv2d and conv_transpose2d are both made of these.
import type { ConvGeometry } from '../../../ops/conv_geometry.js';
import { type KernelContext, grid1d, packUniforms } from '../kernel.js';

type Mode = 'forward' | 'image_grad' | 'weight_grad';
const MODE_INDEX: Record<Mode, number> = { forward: 0, image_grad: 1, weight_grad: 2 };

/**
 * How conv.wgsl splits a product: the `tiled` entry (TM x TN tiles in workgroup memory, for GPUs)
 * or the `columns` entry (one column per invocation and RM rows, for CPU adapters), with the
 * rows and columns each workgroup covers and the unit its depth is split in.
 */
interface Blocking {
  entry: 'tiled' | 'columns';
  rows: number;
  cols: number;
  depthUnit: number;
  constants: Record<string, number>;
}

// Portable limits: 256 invocations and 16 KiB of workgroup memory are what every adapter offers.
const MAX_THREADS = 256;
const MAX_TILE_BYTES = 16384;

const isInt = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;

/** The blocking of an M x N x K product: tuned values for this adapter when there are, else by size and adapter kind. */
function blockingFor(ctx: KernelContext, mode: Mode, M: number, N: number, K: number): Blocking {
  const key = `${M}x${N}x${K}`;
  const { COLUMNS } = ctx.tuning('conv', 'variant', { COLUMNS: ctx.acquired.summary.software ? 1 : 0 });
  if (COLUMNS) {
    // RM: rows per invocation, a multiple of 4 up to 16 (conv.wgsl); no more than the rows there are.
    const defaults = { RM: Math.min(16, Math.ceil(M / 4) * 4), WG: 64 };
    let { RM, WG } = ctx.tuning(`conv.${mode}.columns`, key, defaults);
    if (!isInt(RM, 4, 16) || RM % 4 !== 0 || !isInt(WG, 1, MAX_THREADS)) ({ RM, WG } = defaults);
    return { entry: 'columns', rows: RM, cols: WG, depthUnit: 1, constants: { RM, WG } };
  }
  // 8x8 per thread where there are rows for it (measured ~1.7x faster than 4x4 on lavapipe, where
  // every load from workgroup memory is a per-lane gather); 4x4 on thin products.
  const defaults = M > 32 ? { TM: 64, TN: 128, TK: 16, TB: 8 } : { TM: M <= 16 ? 16 : 32, TN: 64, TK: 16, TB: 4 };
  let { TM, TN, TK, TB } = ctx.tuning(`conv.${mode}.tiled`, key, defaults);
  // One column of each tile per thread: TM and TN are multiples of TB².
  const ok = (TB === 4 || TB === 8) && isInt(TM, 16, 256) && isInt(TN, 16, 256) && TM % (TB * TB) === 0 && TN % (TB * TB) === 0 &&
    isInt(TK, 1, 64) && (TM * TN) / (TB * TB) <= MAX_THREADS && (TM + TN) * TK * 4 <= MAX_TILE_BYTES;
  if (!ok) ({ TM, TN, TK, TB } = defaults);
  return { entry: 'tiled', rows: TM, cols: TN, depthUnit: TK, constants: { TM, TN, TK, TB } };
}

/** The per-tap table of FORWARD and WEIGHT_GRAD: (ci·h·w, i·dh − ph, j·dw − pw, 0). */
function imageTaps(g: ConvGeometry): Int32Array {
  const t = new Int32Array(4 * g.cg * g.kh * g.kw);
  let e = 0;
  for (let ci = 0; ci < g.cg; ci++)
    for (let i = 0; i < g.kh; i++)
      for (let j = 0; j < g.kw; j++, e += 4) t.set([ci * g.h * g.w, i * g.dh - g.ph, j * g.dw - g.pw, 0], e);
  return t;
}

/** For one stride phase r of a dim: the taps i that reach pixels r + q·s, with their output offset (r + p − i·d) / s. */
function phaseTaps(r: number, k: number, s: number, p: number, d: number): [number, number][] {
  const taps: [number, number][] = [];
  for (let i = 0; i < k; i++) {
    const num = r + p - i * d;
    if (((num % s) + s) % s === 0) taps.push([i, num / s]);
  }
  return taps;
}

/** The IMAGE_GRAD table: a header per phase (first entry, count, rh, rw), then the phase's taps. */
function imageGradTaps(g: ConvGeometry): Int32Array {
  const phases = g.sh * g.sw;
  const entries: number[] = [];
  const header: number[] = [];
  for (let rh = 0; rh < g.sh; rh++)
    for (let rw = 0; rw < g.sw; rw++) {
      const th = phaseTaps(rh, g.kh, g.sh, g.ph, g.dh), tw = phaseTaps(rw, g.kw, g.sw, g.pw, g.dw);
      header.push(phases + entries.length / 4, g.og * th.length * tw.length, rh, rw);
      for (let mo = 0; mo < g.og; mo++)
        for (const [i, offH] of th)
          for (const [j, offW] of tw) entries.push(mo * g.cg * g.kh * g.kw + i * g.kw + j, mo * g.ho * g.wo, offH, offW);
    }
  return Int32Array.from([...header, ...entries]);
}

interface GemmCall {
  mode: Mode;
  /** Gathered operand, dense operand, result. */
  src: GPUBuffer; mat: GPUBuffer; dst: GPUBuffer;
  bias?: GPUBuffer;
  taps: Int32Array;
  /** Largest GEMM over the z slices (M rows, N columns), its depth, and the z slices per group. */
  M: number; N: number; K: number; zInner: number;
  chunk?: number;
  f16?: boolean;
  blocking: Blocking;
}

function recordGemm(ctx: KernelContext, g: ConvGeometry, c: GemmCall): void {
  const b = c.blocking;
  const tilesM = Math.ceil(c.M / b.rows), tilesN = Math.ceil(c.N / b.cols), zCount = g.groups * c.zInner;
  const total = tilesM * tilesN * zCount;
  if (total === 0) return;
  const f16 = !!c.f16 && b.entry === 'tiled';
  ctx.dispatch({
    pipeline: {
      shader: 'conv',
      entryPoint: b.entry,
      constants: { MODE: MODE_INDEX[c.mode], HAS_BIAS: c.bias ? 1 : 0, ...b.constants },
      defines: { ENABLE: f16 ? 'enable f16;' : '', TILE: f16 ? 'f16' : 'f32' },
    },
    // Without a bias the dense operand stands in for it (bound, never read).
    buffers: [c.src, c.mat, ctx.runtime.uploadTemp(c.taps), c.bias ?? c.mat, c.dst],
    uniforms: packUniforms([
      g.n, g.c, g.h, g.w, g.o, g.ho, g.wo, g.cg,
      g.og, g.sh, g.sw, g.cg * g.kh * g.kw, g.kh * g.kw, zCount, c.zInner, tilesM,
      tilesN, c.chunk ?? 0, 0, 0,
    ].map((u) => ({ u }))),
    workgroups: grid1d(total),
  });
}

/** output = conv(image, weight) (+ bias). `f16`: stage tiles as f16 (inference). */
export function recordConvForward(ctx: KernelContext, g: ConvGeometry, image: GPUBuffer, weight: GPUBuffer, bias: GPUBuffer | undefined, output: GPUBuffer, f16: boolean): void {
  const M = g.og, N = g.n * g.ho * g.wo, K = g.cg * g.kh * g.kw;
  recordGemm(ctx, g, { mode: 'forward', src: image, mat: weight, dst: output, bias, taps: imageTaps(g), M, N, K, zInner: 1, f16, blocking: blockingFor(ctx, 'forward', M, N, K) });
}

/** dImage = conv^T(dOutput, weight) (+ bias: conv_transpose2d's forward). */
export function recordConvImageGrad(ctx: KernelContext, g: ConvGeometry, dOutput: GPUBuffer, weight: GPUBuffer, bias: GPUBuffer | undefined, dImage: GPUBuffer, f16: boolean): void {
  const taps = imageGradTaps(g);
  const phases = g.sh * g.sw;
  // Phase 0 has the most pixels; K is the most taps any phase sums.
  const M = g.cg, N = g.n * Math.ceil(g.h / g.sh) * Math.ceil(g.w / g.sw);
  let K = 0;
  for (let ph = 0; ph < phases; ph++) K = Math.max(K, taps[4 * ph + 1]);
  recordGemm(ctx, g, { mode: 'image_grad', src: dOutput, mat: weight, dst: dImage, bias, taps, M, N, K, zInner: phases, f16, blocking: blockingFor(ctx, 'image_grad', M, N, K) });
}

/**
 * dWeight = sum over batch and pixels of dOutput x cols(image). The long pixel sum is split over
 * z slices when the product alone has too few tiles to fill the device; the slices' partial
 * sums are then added by sum_splits.
 */
export function recordConvWeightGrad(ctx: KernelContext, g: ConvGeometry, image: GPUBuffer, dOutput: GPUBuffer, dWeight: GPUBuffer): void {
  const M = g.og, N = g.cg * g.kh * g.kw, pixels = g.n * g.ho * g.wo;
  const blocking = blockingFor(ctx, 'weight_grad', M, N, pixels);
  const { TARGET_WORKGROUPS, MIN_CHUNK } = ctx.tuning('conv.weight_grad.split', `${M}x${N}x${pixels}`, { TARGET_WORKGROUPS: 128, MIN_CHUNK: 256 });
  const unit = blocking.depthUnit;
  const productTiles = Math.ceil(M / blocking.rows) * Math.ceil(N / blocking.cols) * g.groups;
  const wanted = Math.max(1, Math.min(Math.ceil(TARGET_WORKGROUPS / productTiles), Math.floor(pixels / Math.max(MIN_CHUNK, unit))));
  const chunk = Math.max(unit, Math.ceil(Math.ceil(pixels / wanted) / unit) * unit);
  const splits = Math.max(1, Math.ceil(pixels / chunk));
  const size = g.o * N;
  const dst = splits === 1 ? dWeight : ctx.scratch(4 * splits * size);
  recordGemm(ctx, g, { mode: 'weight_grad', src: image, mat: dOutput, dst, taps: imageTaps(g), M, N, K: pixels, zInner: splits, chunk, blocking });
  if (splits > 1) {
    ctx.dispatch({
      pipeline: { shader: 'conv_reduce', entryPoint: 'sum_splits' },
      buffers: [dst, dWeight],
      uniforms: packUniforms([{ u: splits }, { u: size }, { u: 0 }, { u: 0 }]),
      workgroups: grid1d(Math.ceil(size / 256)),
    });
  }
}

/** dBias[ch] = sum of dy[n, ch, :] over the batch and the plane. */
export function recordBiasGrad(ctx: KernelContext, dy: GPUBuffer, n: number, channels: number, plane: number, dBias: GPUBuffer): void {
  ctx.dispatch({
    pipeline: { shader: 'conv_reduce', entryPoint: 'bias_grad' },
    buffers: [dy, dBias],
    uniforms: packUniforms([{ u: n }, { u: channels }, { u: plane }, { u: 0 }]),
    workgroups: grid1d(channels),
  });
}
