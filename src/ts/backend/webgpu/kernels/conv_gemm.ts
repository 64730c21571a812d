// Records the convolution products of src/wgsl/conv.wgsl (implicit GEMM) and the reductions of
// src/wgsl/conv_reduce.wgsl; conv2d and conv_transpose2d are both made of these.
import type { ConvGeometry } from '../../../ops/conv_geometry.js';
import { type KernelContext, grid1d, packUniforms } from '../kernel.js';

type Mode = 'forward' | 'image_grad' | 'weight_grad';
const MODE_INDEX: Record<Mode, number> = { forward: 0, image_grad: 1, weight_grad: 2 };

/** Tile shape of conv.wgsl: TM x TN outputs per workgroup (multiples of 16), depth TK. */
type Tiles = { TM: number; TN: number; TK: number };

// Portable limits: 256 invocations and 16 KiB of workgroup memory are what every adapter offers.
const MAX_THREADS = 256;
const MAX_TILE_BYTES = 16384;

/** Tiles for an M x N x K product: tuned values for this adapter when there are, else by size. */
function tilesFor(ctx: KernelContext, mode: Mode, M: number, N: number, K: number): Tiles {
  const defaults: Tiles = { TM: M <= 16 ? 16 : M <= 32 ? 32 : 64, TN: 64, TK: 16 };
  const t = ctx.tuning(`conv.${mode}`, `${M}x${N}x${K}`, defaults);
  const ok = [t.TM, t.TN].every((v) => Number.isInteger(v) && v >= 16 && v % 16 === 0) && Number.isInteger(t.TK) && t.TK >= 1 &&
    (t.TM * t.TN) / 16 <= MAX_THREADS && (t.TM + t.TN) * t.TK * 4 <= MAX_TILE_BYTES;
  return ok ? t : defaults;
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
  tiles: Tiles;
}

function recordGemm(ctx: KernelContext, g: ConvGeometry, c: GemmCall): void {
  const { TM, TN, TK } = c.tiles;
  const tilesM = Math.ceil(c.M / TM), tilesN = Math.ceil(c.N / TN), zCount = g.groups * c.zInner;
  const total = tilesM * tilesN * zCount;
  if (total === 0) return;
  const f16 = !!c.f16;
  ctx.dispatch({
    pipeline: {
      shader: 'conv',
      constants: { MODE: MODE_INDEX[c.mode], HAS_BIAS: c.bias ? 1 : 0, TM, TN, TK },
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
  recordGemm(ctx, g, { mode: 'forward', src: image, mat: weight, dst: output, bias, taps: imageTaps(g), M, N, K, zInner: 1, f16, tiles: tilesFor(ctx, 'forward', M, N, K) });
}

/** dImage = conv^T(dOutput, weight) (+ bias: conv_transpose2d's forward). */
export function recordConvImageGrad(ctx: KernelContext, g: ConvGeometry, dOutput: GPUBuffer, weight: GPUBuffer, bias: GPUBuffer | undefined, dImage: GPUBuffer, f16: boolean): void {
  const taps = imageGradTaps(g);
  const phases = g.sh * g.sw;
  // Phase 0 has the most pixels; K is the most taps any phase sums.
  const M = g.cg, N = g.n * Math.ceil(g.h / g.sh) * Math.ceil(g.w / g.sw);
  let K = 0;
  for (let ph = 0; ph < phases; ph++) K = Math.max(K, taps[4 * ph + 1]);
  recordGemm(ctx, g, { mode: 'image_grad', src: dOutput, mat: weight, dst: dImage, bias, taps, M, N, K, zInner: phases, f16, tiles: tilesFor(ctx, 'image_grad', M, N, K) });
}

/**
 * dWeight = sum over batch and pixels of dOutput x cols(image). The long pixel sum is split over
 * z slices when the product alone has too few tiles to fill the device; the slices' partial
 * sums are then added by sum_splits.
 */
export function recordConvWeightGrad(ctx: KernelContext, g: ConvGeometry, image: GPUBuffer, dOutput: GPUBuffer, dWeight: GPUBuffer): void {
  const M = g.og, N = g.cg * g.kh * g.kw, pixels = g.n * g.ho * g.wo;
  const tiles = tilesFor(ctx, 'weight_grad', M, N, pixels);
  const { TARGET_WORKGROUPS, MIN_CHUNK } = ctx.tuning('conv.weight_grad_split', `${M}x${N}x${pixels}`, { TARGET_WORKGROUPS: 128, MIN_CHUNK: 256 });
  const productTiles = Math.ceil(M / tiles.TM) * Math.ceil(N / tiles.TN) * g.groups;
  const wanted = Math.max(1, Math.min(Math.ceil(TARGET_WORKGROUPS / productTiles), Math.floor(pixels / Math.max(MIN_CHUNK, tiles.TK))));
  const chunk = Math.max(tiles.TK, Math.ceil(Math.ceil(pixels / wanted) / tiles.TK) * tiles.TK);
  const splits = Math.max(1, Math.ceil(pixels / chunk));
  const size = g.o * N;
  const dst = splits === 1 ? dWeight : ctx.scratch(4 * splits * size);
  recordGemm(ctx, g, { mode: 'weight_grad', src: image, mat: dOutput, dst, taps: imageTaps(g), M, N, K: pixels, zInner: splits, chunk, tiles });
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
