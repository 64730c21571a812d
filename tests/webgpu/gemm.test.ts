// The WebGPU GEMM (src/ts/backend/webgpu/kernels/gemm.ts): every variant this adapter supports ×
// odd and aligned sizes × transposes × grouped batches against a float64 reference; the fused
// epilogue; the f16-storage path; the autotuner's cache written, then reused by a new backend.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

// Before any backend opens: a private tuning cache, and no background tuning but where a test asks.
const cacheDir = mkdtempSync(join(tmpdir(), 'cefm-gemm-test-'));
process.env.CEFM_CACHE_DIR = cacheDir;
process.env.CEFM_AUTOTUNE = '0';

import type { DeviceTensor } from '../../src/ts/backend/backend.js';
import { WebGpuBackend } from '../../src/ts/backend/webgpu/backend.js';
import { standaloneContext, tuningLog, whenTuned } from '../../src/ts/backend/webgpu/autotune.js';
import { type GemmVariant, chooseGemmVariant, encodeGemmVariant, gemmTuningKey, gemmVariants, recordGemmWith } from '../../src/ts/backend/webgpu/kernels/gemm.js';
import type { GpuTensorLike } from '../../src/ts/backend/webgpu/kernel.js';
import { Tuner } from '../../src/ts/backend/webgpu/tuning.js';
import { type LinearActivation, applyActivation } from '../../src/ts/ops/linear.js';
import { openTestBackend, relError } from '../ops/harness.js';
import { tolerance } from '../ops/tolerances.js';
import { Rng, hashSeed } from '../util/rng.js';
import { NO_GPU, disposeBackend, skip } from '../util/skip.js';

const opened = openTestBackend('webgpu') as Promise<WebGpuBackend | null>;

interface Case {
  M: number; N: number; K: number;
  transA: boolean; transB: boolean;
  /** Matrices stored in A and B, and the pairs each output sums. */
  aCount: number; bCount: number;
  groups: [number, number][][];
  bias?: boolean;
  activation?: LinearActivation;
}

const name = (c: Case) => `${c.M}x${c.N}x${c.K} ${c.transA ? 't' : 'n'}${c.transB ? 't' : 'n'} groups ${JSON.stringify(c.groups)}${c.bias ? ' +bias' : ''}${c.activation ? ` ${c.activation}` : ''}`;

/** Inputs of a case, reproducible from its name (seeded, never all zero). */
function inputsOf(c: Case): { a: Float32Array; b: Float32Array; bias: Float32Array } {
  const rng = new Rng(hashSeed(name(c)));
  return { a: rng.array(c.aCount * c.M * c.K), b: rng.array(c.bCount * c.K * c.N), bias: rng.array(c.N) };
}

/** Float64 reference, written from the definition: C[z](i, j) = act(bias[j] + Σ_pairs Σ_k opA(i, k) opB(k, j)). */
function reference(c: Case, { a, b, bias }: ReturnType<typeof inputsOf>): Float64Array {
  const out = new Float64Array(c.groups.length * c.M * c.N);
  c.groups.forEach((pairs, z) => {
    for (let i = 0; i < c.M; i++)
      for (let j = 0; j < c.N; j++) {
        let s = c.bias ? bias[j] : 0;
        for (const [pa, pb] of pairs)
          for (let k = 0; k < c.K; k++) {
            const av = c.transA ? a[pa * c.M * c.K + k * c.M + i] : a[pa * c.M * c.K + i * c.K + k];
            const bv = c.transB ? b[pb * c.K * c.N + j * c.K + k] : b[pb * c.K * c.N + k * c.N + j];
            s += av * bv;
          }
        out[z * c.M * c.N + i * c.N + j] = applyActivation(s, c.activation ?? 'none');
      }
  });
  return out;
}

/**
 * Runs a case with each of `variants` on the backend's device, recorded together and read back
 * after; outputs start as NaN so unwritten elements show.
 */
async function runCase(be: WebGpuBackend, c: Case, variants: GemmVariant[], f16 = false): Promise<Float32Array[]> {
  const { a, b, bias } = inputsOf(c);
  const { ctx, releaseScratch } = standaloneContext(be.runtime, be.acquired);
  const up = (data: Float32Array) => be.upload({ shape: [data.length], data });
  const buf = (t: DeviceTensor) => (t as GpuTensorLike).buffer;
  const A = up(a), B = up(b), Bias = up(bias);
  const size = c.groups.length * c.M * c.N;
  const outs = variants.map(() => up(new Float32Array(size).fill(NaN)));
  try {
    variants.forEach((v, i) => {
      recordGemmWith(ctx, {
        M: c.M, N: c.N, K: c.K, transA: c.transA, transB: c.transB, groups: c.groups,
        A: buf(A), B: buf(B), C: buf(outs[i]), bias: c.bias ? buf(Bias) : undefined, activation: c.activation, f16,
      }, v);
      releaseScratch(); // reusable by the next variant's dispatches, which run after
    });
    return await Promise.all(outs.map(async (o) => (await be.download(o)).data));
  } finally {
    [A, B, Bias, ...outs].forEach((t) => t.dispose());
  }
}

const single = (M: number, N: number, K: number, transA: boolean, transB: boolean): Case =>
  ({ M, N, K, transA, transB, aCount: 1, bCount: 1, groups: [[[0, 0]]] });

const TRANSPOSES: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

// Odd sizes (scalar entry points), sizes where every contiguous dim is a multiple of 4 (vec4 entry
// points) crossing the tiles of every variant, size-1 dims; every transpose of each.
const SHAPES: [number, number, number][] = [[13, 9, 7], [68, 136, 36], [37, 44, 28], [133, 260, 20], [1, 5, 3], [6, 1, 1]];
const CASES: Case[] = SHAPES.flatMap(([M, N, K]) => TRANSPOSES.map(([tA, tB]) => single(M, N, K, tA, tB)));

// Grouped batches: outputs summing several pairs (the backward of a broadcast operand), one
// summing none (zeros), operands shared between outputs.
const GROUPED: Case[] = [
  { M: 11, N: 7, K: 5, transA: false, transB: false, aCount: 3, bCount: 2, groups: [[[0, 1], [2, 0]], [], [[1, 1]]] },
  { M: 12, N: 8, K: 20, transA: true, transB: false, aCount: 2, bCount: 3, groups: [[[0, 0], [1, 1], [0, 2]], [[1, 0]]] },
  { M: 9, N: 16, K: 8, transA: false, transB: true, aCount: 2, bCount: 2, groups: [[[1, 0]], [[0, 1], [1, 1]]] },
  { M: 8, N: 12, K: 9, transA: true, transB: true, aCount: 2, bCount: 1, groups: [[[0, 0], [1, 0]]] },
];

const label = (v: GemmVariant) => `${v.family} ${JSON.stringify(v.constants)}`;

test('every variant matches the float64 reference: odd sizes, transposes, grouped batches', async () => {
  const be = await opened;
  if (!be) return skip(NO_GPU);
  const variants = gemmVariants(be.acquired);
  assert.ok(variants.some((v) => v.family === 'tiled') && variants.some((v) => v.family === 'direct'), 'tiled and direct run everywhere');
  for (const c of [...CASES, ...GROUPED]) {
    const ref = reference(c, inputsOf(c));
    const outs = await runCase(be, c, variants);
    variants.forEach((v, i) => {
      const err = relError(outs[i], ref);
      assert.ok(err <= tolerance('matmul'), `${label(v)} on ${name(c)}: relative error ${err}`);
      // Every variant sums k in the same order, one fma per k, so the autotuner's pick does not change
      // results: bit for bit on lavapipe (GPU compilers may contract differently per kernel).
      if (be.acquired.summary.software) assert.ok(outs[i].every((x, e) => Object.is(x, outs[0][e])), `${label(v)} on ${name(c)}: not bit-identical to ${label(variants[0])}`);
    });
  }
});

// Each distinct pipeline costs 0.5-4 s of CPU to compile cold on lavapipe: the epilogue and f16
// tests take one variant per family (they change code shared by all variants of a family).
const oneOfEach = (be: WebGpuBackend) => [...new Map(gemmVariants(be.acquired).map((v) => [v.family, v])).values()];

test('fused epilogue: bias and every activation, in each family', async () => {
  const be = await opened;
  if (!be) return skip(NO_GPU);
  const variants = oneOfEach(be);
  // linear's layout (x · wᵀ): every activation through the vec4 store, gelu through the scalar one too
  const cases: Case[] = [
    ...(['none', 'relu', 'gelu', 'gelu_tanh'] as LinearActivation[]).map((activation) => ({ ...single(20, 24, 16, false, true), bias: activation !== 'relu', activation })),
    { ...single(13, 9, 7, false, true), bias: true, activation: 'gelu' },
  ];
  for (const c of cases) {
    const ref = reference(c, inputsOf(c));
    (await runCase(be, c, variants)).forEach((out, i) => {
      const err = relError(out, ref);
      assert.ok(err <= tolerance('linear'), `${label(variants[i])} on ${name(c)}: relative error ${err}`);
    });
  }
});

test('f16 storage path: each family within the f16 tolerance', async () => {
  const be = await opened;
  if (!be) return skip(NO_GPU);
  if (!be.acquired.hasF16) return skip('the adapter has no shader-f16');
  const cases: Case[] = [
    single(13, 9, 7, true, false), // scalar loads
    single(24, 20, 36, false, true), // vec4 loads
    GROUPED[0],
    { ...single(12, 12, 8, false, true), bias: true, activation: 'gelu' },
  ];
  const variants = oneOfEach(be);
  for (const c of cases) {
    const ref = reference(c, inputsOf(c));
    (await runCase(be, c, variants, true)).forEach((out, i) => {
      const err = relError(out, ref);
      assert.ok(err <= tolerance('matmul', 'f16'), `${label(variants[i])} f16 on ${name(c)}: relative error ${err}`);
      assert.ok(err > 1e-6, `${label(variants[i])} f16 on ${name(c)}: error ${err} is that of f32 storage: f16 not used`);
    });
  }
});

test('more groups than one dispatch holds (65535): split over dispatches', async () => {
  const be = await opened;
  if (!be) return skip(NO_GPU);
  const count = 65537;
  const c: Case = { M: 1, N: 2, K: 3, transA: false, transB: false, aCount: 5, bCount: 3, groups: Array.from({ length: count }, (_, z): [number, number][] => [[z % 5, z % 3]]) };
  const { ctx } = standaloneContext(be.runtime, be.acquired);
  const v = chooseGemmVariant(ctx, { M: 1, N: 2, K: 3, transA: false, transB: false, groups: count, f16: false }).variant;
  const [out] = await runCase(be, c, [v]);
  assert.ok(relError(out, reference(c, inputsOf(c))) <= tolerance('matmul'), `${label(v)}`);
});

test('matmul through a backend opened with f16: forward in f16 storage, backward in f32', async () => {
  const base = await opened;
  if (!base) return skip(NO_GPU);
  if (!base.acquired.hasF16) return skip('the adapter has no shader-f16');
  const be = await WebGpuBackend.open({ allowSoftware: true, poison: true, f16: true });
  try {
    const rng = new Rng(5);
    const a = { shape: [2, 7, 12], data: rng.array(168) }, b = { shape: [12, 9], data: rng.array(108) };
    const dy = { shape: [2, 7, 9], data: rng.array(126) };
    const ref = new Float64Array(126);
    for (let z = 0; z < 2; z++) for (let i = 0; i < 7; i++) for (let j = 0; j < 9; j++) {
      let s = 0;
      for (let k = 0; k < 12; k++) s += a.data[z * 84 + i * 12 + k] * b.data[k * 9 + j];
      ref[z * 63 + i * 9 + j] = s;
    }
    const [y] = await be.forward('matmul', [a, b]);
    const err = relError(y.data, ref);
    assert.ok(err <= tolerance('matmul', 'f16') && err > 1e-6, `f16 forward: relative error ${err}`);
    const [da] = await be.backward('matmul', [a, b], {}, [dy]);
    const daRef = new Float64Array(168); // dOut · bᵀ
    for (let z = 0; z < 2; z++) for (let i = 0; i < 7; i++) for (let k = 0; k < 12; k++) {
      let s = 0;
      for (let j = 0; j < 9; j++) s += dy.data[z * 63 + i * 9 + j] * b.data[k * 9 + j];
      daRef[z * 84 + i * 12 + k] = s;
    }
    assert.ok(relError(da!.data, daRef) <= tolerance('matmul'), 'backward stays f32');
  } finally {
    await be.dispose();
  }
});

test('autotune: times the candidates once per size class, caches the winner on disk, a new backend reuses it', async () => {
  const base = await opened;
  if (!base) return skip(NO_GPU);
  if (!base.acquired.hasTimestamps) return skip('the adapter has no timestamp-query');
  const rng = new Rng(11);
  const a = { shape: [40, 24], data: rng.array(960) }, b = { shape: [24, 32], data: rng.array(768) };
  const shape = { M: 40, N: 32, K: 24, transA: false, transB: false, groups: 1, f16: false };
  const key = gemmTuningKey(shape);
  process.env.CEFM_AUTOTUNE = '1';
  try {
    const first = await WebGpuBackend.open({ allowSoftware: true });
    let chosen: Record<string, number> | null;
    try {
      await first.forward('matmul', [a, b]); // first use: the default runs, tuning is queued
      await first.forward('matmul', [a, b]); // same size class: not queued again
      await whenTuned(first.acquired);
      const log = tuningLog(first.acquired).filter((r) => r.key === key);
      assert.is(log.length, 1, 'one tuning job for the size class');
      chosen = log[0].chosen;
      assert.ok(chosen, `a candidate was chosen: ${JSON.stringify(log[0])}`);
      assert.ok(Object.keys(log[0].ms).length >= 2, 'several candidates timed');
      // Compiles dominate on lavapipe: a few hundred ms with Mesa's shader cache warm, seconds cold.
      console.log(`  autotune ${key} on ${first.acquired.summary.name}: ${log[0].wallMs.toFixed(0)} ms for ${Object.keys(log[0].ms).length} candidates, compiles included`);
    } finally {
      await first.dispose();
    }
    const files = readdirSync(cacheDir).filter((f) => /^tuning-[0-9a-f]+\.json$/.test(f));
    assert.is(files.length, 1, 'one cache file for the adapter');
    const table = JSON.parse(readFileSync(join(cacheDir, files[0]), 'utf8')) as Record<string, Record<string, number>>;
    assert.equal(table[`gemm|${key}`], chosen, 'the winner is on disk');

    const second = await WebGpuBackend.open({ allowSoftware: true });
    try {
      const { ctx } = standaloneContext(second.runtime, second.acquired, { tuner: new Tuner(second.acquired.summary) });
      const choice = chooseGemmVariant(ctx, shape);
      assert.is(choice.source, 'cache');
      assert.equal(encodeGemmVariant(choice.variant), chosen);
      const [y] = await second.forward('matmul', [a, b]);
      assert.ok(y.data.every(Number.isFinite));
      await whenTuned(second.acquired);
      assert.is(tuningLog(second.acquired).length, 0, 'nothing tuned again');
    } finally {
      await second.dispose();
    }
  } finally {
    process.env.CEFM_AUTOTUNE = '0';
  }
});

test('CEFM_AUTOTUNE=0: defaults, nothing queued', async () => {
  const be = await opened;
  if (!be) return skip(NO_GPU);
  const { ctx } = standaloneContext(be.runtime, be.acquired, { tuner: new Tuner(be.acquired.summary) });
  const choice = chooseGemmVariant(ctx, { M: 3000, N: 5, K: 7, transA: true, transB: false, groups: 3, f16: false });
  assert.is(choice.source, 'default');
  await whenTuned(be.acquired);
  assert.is(tuningLog(be.acquired).length, 0);
});

test.after(async () => {
  await disposeBackend(opened);
  rmSync(cacheDir, { recursive: true, force: true });
});

test.run();
