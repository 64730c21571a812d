// Records the convolution products of src/wgsl/conv.wgsl (implicit GEMM) and the reductions of
// src/wgsl/conv_reduce.wgsl; conv2d and conv_transpose2d are both made of these.
import type { ConvGeometry } from '../../../ops/conv_geometry.js';
import { type KernelContext, grid1d, packUniforms } from '../kernel.js';

type Mode = 'forward' | 'image_grad' | 'weight_grad' | 'image_scatter';
const MODE_INDEX: Record<Mode, number> = { forward: 0, image_grad: 1, weight_grad: 2, image_scatter: 3 };

/** How conv.wgsl splits a product: TM x TN tiles per workgroup, TK deep, TB x TB per thread. */
type Tiles = { TM: number; TN: number; TK: number; TB: number };

const isInt = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;

/** Tiles for an M x N x K product: tuned values for this adapter when there are, else by size. */
function tilesFor(ctx: KernelContext, mode: Mode, M: number, N: number, K: number): Tiles {
  // 8x8 per thread where there are rows for it (about 1.7x faster than 4x4 on lavapipe, where every
  // load from workgroup memory is a per-lane gather: more multiply-adds per load); 4x4 on thin products.
  const defaults: Tiles = M > 32 ? { TM: 64, TN: 128, TK: 16, TB: 8 } : { TM: M <= 16 ? 16 : 32, TN: 64, TK: 16, TB: 4 };
  const t = ctx.tuning(`conv.${mode}`, `${M}x${N}x${K}`, defaults);
  // Each thread stages fixed vec4 columns of both tiles: TM and TN are multiples of TB² / 4.
  const lim = ctx.device.limits;
  const unit = (t.TB * t.TB) / 4;
  const ok = (t.TB === 4 || t.TB === 8) && isInt(t.TM, unit, 256) && isInt(t.TN, unit, 512) && t.TM % unit === 0 && t.TN % unit === 0 &&
    isInt(t.TK, 1, 64) && (t.TM * t.TN) / (t.TB * t.TB) <= lim.maxComputeInvocationsPerWorkgroup &&
    (t.TM + t.TN) * t.TK * 4 <= lim.maxComputeWorkgroupStorageSize;
  return ok ? t : defaults;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The stride phases of the image gradient: pixels r + q·s of a phase r are reached by the taps
 * i ≡ i0 (mod s / gcd(s, d)), at output offset (r + p − i·d) / s. Per phase (rh, rw): two vec4s
 * (rh, rw, tap count along h, along w), (i0h, i0w, offset of i0h, offset of i0w).
 */
function phaseTable(g: ConvGeometry): Int32Array {
  const t = new Int32Array(8 * g.sh * g.sw);
  const phaseTaps = (r: number, k: number, s: number, pad: number, d: number) => {
    const taps = [...Array(k).keys()].filter((i) => (((r + pad - i * d) % s) + s) % s === 0);
    return { count: taps.length, first: taps[0] ?? 0, offset: taps.length ? (r + pad - taps[0] * d) / s : 0 };
  };
  let e = 0;
  for (let rh = 0; rh < g.sh; rh++)
    for (let rw = 0; rw < g.sw; rw++, e += 8) {
      const th = phaseTaps(rh, g.kh, g.sh, g.ph, g.dh), tw = phaseTaps(rw, g.kw, g.sw, g.pw, g.dw);
      t.set([rh, rw, th.count, tw.count, th.first, tw.first, th.offset, tw.offset], e);
    }
  return t;
}

interface GemmCall {
  mode: Mode;
  /** Gathered operand, dense operand, result. */
  src: GPUBuffer; mat: GPUBuffer; dst: GPUBuffer;
  bias?: GPUBuffer;
  /** Largest GEMM over the z slices (M rows, N columns), its depth, and the z slices per group. */
  M: number; N: number; K: number; zInner: number;
  chunk?: number;
  f16?: boolean;
  tiles: Tiles;
}

function recordGemm(ctx: KernelContext, g: ConvGeometry, c: GemmCall): void {
  const tilesM = Math.ceil(c.M / c.tiles.TM), tilesN = Math.ceil(c.N / c.tiles.TN), zCount = g.groups * c.zInner;
  const total = tilesM * tilesN * zCount;
  if (total === 0) return;
  const f16 = !!c.f16;
  const stepH = g.sh / gcd(g.sh, g.dh), stepW = g.sw / gcd(g.sw, g.dw);
  ctx.dispatch({
    pipeline: {
      shader: 'conv',
      constants: { MODE: MODE_INDEX[c.mode], HAS_BIAS: c.bias ? 1 : 0, ...c.tiles },
      defines: { ENABLE: f16 ? 'enable f16;' : '', TILE: f16 ? 'f16' : 'f32' },
    },
    // Without a bias the dense operand stands in for it (bound, never read).
    buffers: [c.src, c.mat, ctx.runtime.uploadTemp(phaseTable(g)), c.bias ?? c.mat, c.dst],
    uniforms: packUniforms([
      g.n, g.c, g.h, g.w, g.o, g.ho, g.wo, g.cg,
      g.og, g.kh, g.kw, g.cg * g.kh * g.kw, g.sh, g.sw, g.ph, g.pw,
      g.dh, g.dw, zCount, c.zInner, tilesM, tilesN, c.chunk ?? 0, 0,
      stepH, stepW, (stepH * g.dh) / g.sh, (stepW * g.dw) / g.sw,
    ].map((u) => ({ u }))),
    workgroups: grid1d(total),
  });
}

/** output = conv(image, weight) (+ bias). `f16`: stage tiles as f16 (inference). */
export function recordConvForward(ctx: KernelContext, g: ConvGeometry, image: GPUBuffer, weight: GPUBuffer, bias: GPUBuffer | undefined, output: GPUBuffer, f16: boolean): void {
  const M = g.og, N = g.n * g.ho * g.wo, K = g.cg * g.kh * g.kw;
  recordGemm(ctx, g, { mode: 'forward', src: image, mat: weight, dst: output, bias, M, N, K, zInner: 1, f16, tiles: tilesFor(ctx, 'forward', M, N, K) });
}

/** Whether every image position along one dim is reached by some tap (else IMAGE_SCATTER needs a fill first). */
function coversDim(size: number, outSize: number, k: number, s: number, pad: number, d: number): boolean {
  const hit = new Uint8Array(size);
  for (let o = 0; o < outSize; o++)
    for (let i = 0; i < k; i++) {
      const at = o * s - pad + i * d;
      if (at >= 0 && at < size) hit[at] = 1;
    }
  return hit.every((v) => v === 1);
}

/** dImage = conv^T(dOutput, weight) (+ bias: conv_transpose2d's forward). */
export function recordConvImageGrad(ctx: KernelContext, g: ConvGeometry, dOutput: GPUBuffer, weight: GPUBuffer, bias: GPUBuffer | undefined, dImage: GPUBuffer, f16: boolean): void {
  const stepH = g.sh / gcd(g.sh, g.dh), stepW = g.sw / gcd(g.sw, g.dw);
  if (stepH >= g.kh && stepW >= g.kw) {
    // No two taps reach the same pixel: one GEMM over every tap, stored straight to the pixels.
    if (!coversDim(g.h, g.ho, g.kh, g.sh, g.ph, g.dh) || !coversDim(g.w, g.wo, g.kw, g.sw, g.pw, g.dw)) {
      recordFillChannels(ctx, dImage, bias, g.n, g.c, g.h * g.w);
    }
    const M = g.cg * g.kh * g.kw, N = g.n * g.ho * g.wo, K = g.og;
    recordGemm(ctx, g, { mode: 'image_scatter', src: dOutput, mat: weight, dst: dImage, bias, M, N, K, zInner: 1, f16, tiles: tilesFor(ctx, 'image_scatter', M, N, K) });
    return;
  }
  // One GEMM per stride phase; phase 0 has the most pixels, and a phase sums at most
  // og · ⌈kh / stepH⌉ · ⌈kw / stepW⌉ taps.
  const phases = g.sh * g.sw;
  const M = g.cg, N = g.n * Math.ceil(g.h / g.sh) * Math.ceil(g.w / g.sw);
  const K = g.og * Math.ceil(g.kh / stepH) * Math.ceil(g.kw / stepW);
  recordGemm(ctx, g, { mode: 'image_grad', src: dOutput, mat: weight, dst: dImage, bias, M, N, K, zInner: phases, f16, tiles: tilesFor(ctx, 'image_grad', M, N, K) });
}

/** t[n, ch, :] = bias[ch] (or 0 without a bias). */
function recordFillChannels(ctx: KernelContext, t: GPUBuffer, bias: GPUBuffer | undefined, n: number, channels: number, plane: number): void {
  if (n * channels === 0) return;
  ctx.dispatch({
    pipeline: { shader: 'conv_reduce', entryPoint: 'fill_channels' },
    // Without a bias a one-value side buffer is bound (never read).
    buffers: [bias ?? ctx.runtime.uploadTemp(new Float32Array(1)), t],
    uniforms: packUniforms([{ u: n }, { u: channels }, { u: plane }, { u: bias ? 1 : 0 }]),
    workgroups: grid1d(n * channels),
  });
}

/**
 * dWeight = sum over batch and pixels of dOutput x cols(image). The long pixel sum is split over
 * z slices when the product alone has too few tiles to fill the device; the slices' partial
 * sums are then added by sum_splits.
 */
export function recordConvWeightGrad(ctx: KernelContext, g: ConvGeometry, image: GPUBuffer, dOutput: GPUBuffer, dWeight: GPUBuffer): void {
  const M = g.og, N = g.cg * g.kh * g.kw, pixels = g.n * g.ho * g.wo;
  const tiles = tilesFor(ctx, 'weight_grad', M, N, pixels);
  const { TARGET_WORKGROUPS, MIN_CHUNK } = ctx.tuning('conv.weight_grad.split', `${M}x${N}x${pixels}`, { TARGET_WORKGROUPS: 128, MIN_CHUNK: 256 });
  const unit = tiles.TK;
  const productTiles = Math.ceil(M / tiles.TM) * Math.ceil(N / tiles.TN) * g.groups;
  const wanted = Math.max(1, Math.min(Math.ceil(TARGET_WORKGROUPS / productTiles), Math.floor(pixels / Math.max(MIN_CHUNK, unit))));
  const chunk = Math.max(unit, Math.ceil(Math.ceil(pixels / wanted) / unit) * unit);
  const splits = Math.max(1, Math.ceil(pixels / chunk));
  const size = g.o * N;
  const dst = splits === 1 ? dWeight : ctx.scratch(4 * splits * size);
  recordGemm(ctx, g, { mode: 'weight_grad', src: image, mat: dOutput, dst, M, N, K: pixels, zInner: splits, chunk, tiles });
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
