// The grouped batched GEMM with transposes shared by matmul, linear, nt_xent and others:
// C[z] = epilogue(Σ over the pairs (a, b) of group z of opA(A[a]) · opB(B[b])).
// Three kernel families (src/wgsl/matmul*.wgsl), each with override tile constants:
//   tiled    (matmul.wgsl): workgroup-memory staging, RM x RN per invocation (GPUs);
//   direct   (matmul_direct.wgsl): no workgroup memory or barriers (CPU adapters);
//   subgroup (matmul_subgroup.wgsl): direct, with A shared by subgroup shuffles (CPU adapters
//            with `subgroups`, e.g. lavapipe, where each lane-varying load costs a scalar load).
// Each has a scalar entry point for any sizes and a vec4 one when the contiguous dimensions are
// multiples of 4. The variant comes from the adapter's tuning cache, else from this process's
// autotune (../autotune.ts, started on first use of a size class), else from a default by adapter.
import { CefmError } from '../../../errors.js';
import type { LinearActivation } from '../../../ops/linear.js';
import { type TuningJob, autotuneEnabled, requestTuning, tunedParams } from '../autotune.js';
import type { AcquiredDevice } from '../device.js';
import { type KernelContext, grid1d, packUniforms } from '../kernel.js';
import { wgslSource } from '../pipelines.js';
import { ActivationCode } from './elementwise.js';

export interface GemmProblem {
  M: number; N: number; K: number;
  transA: boolean; transB: boolean;
  A: GPUBuffer; B: GPUBuffer; C: GPUBuffer;
  /** For each output matrix, the (A matrix, B matrix) pairs whose products it sums. */
  groups: [number, number][][];
  /** Fused epilogue: + bias[column] ([N]), then the activation (linear's). */
  bias?: GPUBuffer;
  activation?: LinearActivation;
  /** Read A and B as f16 (converted here), f32 sums and output: the inference path (needs shader-f16). */
  f16?: boolean;
}

export type GemmFamily = 'tiled' | 'direct' | 'subgroup';

export interface GemmVariant {
  family: GemmFamily;
  /** The family's override constants (tile sizes, workgroup shape). */
  constants: Record<string, number>;
}

const SHADER: Record<GemmFamily, string> = { tiled: 'matmul', direct: 'matmul_direct', subgroup: 'matmul_subgroup' };
const FAMILY_CODE: Record<GemmFamily, number> = { tiled: 0, direct: 1, subgroup: 2 };
const FAMILIES = Object.keys(FAMILY_CODE) as GemmFamily[];

/** Every configuration of each family offered to the autotuner (tests run them all). */
const CONFIGS: Record<GemmFamily, Record<string, number>[]> = {
  tiled: [
    { TM: 64, TN: 64, TK: 16, RM: 4, RN: 4 },
    { TM: 32, TN: 64, TK: 16, RM: 4, RN: 4 },
    { TM: 64, TN: 64, TK: 16, RM: 8, RN: 8 },
    { TM: 128, TN: 128, TK: 16, RM: 8, RN: 8 },
  ],
  direct: [
    { RM: 8, RN4: 1, WX: 32, WY: 1 },
    { RM: 4, RN4: 1, WX: 16, WY: 4 },
    { RM: 4, RN4: 2, WX: 32, WY: 1 },
  ],
  // More accumulators than RS·RG·RN4 = 16 vec4 (e.g. RG 4) defeat lavapipe's loop unrolling: they
  // end in memory and run 3x slower. RN4 2 is no faster there and takes 3x longer to compile.
  subgroup: [
    { RS: 8, RG: 2, RN4: 1, WX: 32 },
    { RS: 8, RG: 1, RN4: 1, WX: 32 },
    { RS: 8, RG: 2, RN4: 2, WX: 16 },
    { RS: 16, RG: 1, RN4: 1, WX: 32 },
    { RS: 32, RG: 1, RN4: 1, WX: 64 },
  ],
};

/** Rows and columns of C that one workgroup computes, and its invocation count. */
function workgroupShape(v: GemmVariant): { rows: number; cols: number; threads: number } {
  const c = v.constants;
  switch (v.family) {
    case 'tiled': return { rows: c.TM, cols: c.TN, threads: (c.TM / c.RM) * (c.TN / c.RN) };
    case 'direct': return { rows: c.RM * c.WY, cols: 4 * c.RN4 * c.WX, threads: c.WX * c.WY };
    case 'subgroup': return { rows: c.RS * c.RG, cols: 4 * c.RN4 * c.WX, threads: c.WX };
  }
}

/** Whether a variant runs on this device (features, subgroup sizes, limits). */
function supported(a: AcquiredDevice, v: GemmVariant): boolean {
  const threads = workgroupShape(v).threads;
  if (threads > a.device.limits.maxComputeInvocationsPerWorkgroup) return false;
  if (v.family === 'tiled') return (v.constants.TM + v.constants.TN) * v.constants.TK * 4 <= a.device.limits.maxComputeWorkgroupStorageSize;
  if (v.family !== 'subgroup') return true;
  const { min, max } = subgroupSizes(a);
  // every lane that a shuffle reads must exist, and no subgroup may be cut short by the workgroup's end
  return a.device.features.has('subgroups') && min >= v.constants.RS && v.constants.WX % max === 0;
}

function subgroupSizes(a: AcquiredDevice): { min: number; max: number } {
  const info = a.adapter.info as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number };
  return { min: info.subgroupMinSize ?? 0, max: info.subgroupMaxSize ?? Infinity };
}

/** Every variant this device supports (what the tests run). */
export function gemmVariants(a: AcquiredDevice): GemmVariant[] {
  return FAMILIES.flatMap((family) => CONFIGS[family].map((constants) => ({ family, constants }))).filter((v) => supported(a, v));
}

/**
 * The variants worth timing here. CPU adapters: the subgroup kernel (3-4x the direct one, 20-30x
 * the tiled one on lavapipe), else the direct one, two configurations only: there a pipeline's
 * first compile costs 0.5-4 s of CPU (then Mesa's disk cache has it), more than the timing itself.
 * GPUs: the tiled kernels and the subgroup ones.
 */
function candidates(a: AcquiredDevice): GemmVariant[] {
  const all = gemmVariants(a);
  const of = (f: GemmFamily) => all.filter((v) => v.family === f);
  if (a.summary.software) return (of('subgroup').length ? of('subgroup') : of('direct')).slice(0, 2);
  return [...of('tiled'), ...of('subgroup')];
}

/** Without tuning: the family that suits the adapter, the middle-sized tile. */
function defaultVariant(a: AcquiredDevice, s: GemmShape): GemmVariant {
  const ok = gemmVariants(a);
  const find = (family: GemmFamily, i: number) => ok.find((v) => v.family === family && v.constants === CONFIGS[family][i]);
  if (a.summary.software) return find('subgroup', 0) ?? find('direct', 0)!;
  return (s.M >= 512 && s.N >= 512 ? find('tiled', 3) : undefined) ?? find('tiled', 0)!;
}

/** The problem's shape without its buffers: what variant choice and tuning depend on. */
export interface GemmShape {
  M: number; N: number; K: number; transA: boolean; transB: boolean; groups: number; f16: boolean;
}

/** The vec4 entry points need every contiguous dimension a multiple of 4. */
function aligned(s: GemmShape): boolean {
  return s.K % 4 === 0 && s.N % 4 === 0 && (!s.transA || s.M % 4 === 0);
}

/** Size class of a dimension: variants are tuned once per class. */
function sizeClass(d: number): string {
  return d <= 16 ? '16' : d <= 64 ? '64' : d <= 256 ? '256' : d <= 1024 ? '1k' : 'big';
}

/** Tuning-cache key: precision, transposes, alignment, size classes, batched. */
export function gemmTuningKey(s: GemmShape): string {
  const t = `${s.transA ? 't' : 'n'}${s.transB ? 't' : 'n'}`;
  return `${s.f16 ? 'f16' : 'f32'}.${t}.${aligned(s) ? 'v4' : 's'}.${sizeClass(s.M)}x${sizeClass(s.N)}x${sizeClass(s.K)}${s.groups > 1 ? '.b' : ''}`;
}

const TUNING_KERNEL = 'gemm';

/** A variant as the tuning cache stores it: its family's code and its constants. */
export function encodeGemmVariant(v: GemmVariant): Record<string, number> {
  return { family: FAMILY_CODE[v.family], ...v.constants };
}

/** The candidate a stored parameter set names, if it is one (stale or foreign entries are ignored). */
function decode(params: Record<string, number> | undefined, among: GemmVariant[]): GemmVariant | undefined {
  if (!params) return undefined;
  return among.find((v) => {
    const e = encodeGemmVariant(v);
    return Object.keys(e).length === Object.keys(params).length && Object.entries(e).every(([k, x]) => params[k] === x);
  });
}

export type GemmChoice = { variant: GemmVariant; source: 'cache' | 'tuned' | 'default' };

/** The variant for a problem: cached for this adapter, else tuned in this process, else the default (and tuning starts). */
export function chooseGemmVariant(ctx: KernelContext, s: GemmShape): GemmChoice {
  const cands = candidates(ctx.acquired);
  const key = gemmTuningKey(s);
  const cached = decode(ctx.tuning(TUNING_KERNEL, key, { family: -1 }), cands);
  if (cached) return { variant: cached, source: 'cache' };
  const tuned = decode(tunedParams(ctx.acquired, TUNING_KERNEL, key), cands);
  if (tuned) return { variant: tuned, source: 'tuned' };
  if (autotuneEnabled() && cands.length > 1 && ctx.acquired.hasTimestamps) requestTuning(ctx.acquired, tuningJob(ctx.acquired, s, key, cands));
  return { variant: defaultVariant(ctx.acquired, s), source: 'default' };
}

function shapeOf(p: GemmProblem): GemmShape {
  return { M: p.M, N: p.N, K: p.K, transA: p.transA, transB: p.transB, groups: p.groups.length, f16: !!p.f16 };
}

/** The plan: CSR offsets of each group's pairs, then the pairs. */
function planOf(groups: [number, number][][]): Uint32Array {
  const nGroups = groups.length;
  const nPairs = groups.reduce((s, x) => s + x.length, 0);
  const plan = new Uint32Array(nGroups + 1 + 2 * nPairs);
  let q = 0;
  groups.forEach((pairs, z) => {
    plan[z] = q;
    for (const [a, b] of pairs) plan.set([a, b], nGroups + 1 + 2 * q++);
  });
  plan[nGroups] = q;
  return plan;
}

/** Records the GEMM with the variant chosen for this adapter and size class. */
export function recordGemm(ctx: KernelContext, p: GemmProblem): void {
  recordGemmWith(ctx, p, chooseGemmVariant(ctx, shapeOf(p)).variant);
}

/** Records the GEMM with a given variant (the autotuner and tests use this directly). */
export function recordGemmWith(ctx: KernelContext, p: GemmProblem, v: GemmVariant): void {
  const nGroups = p.groups.length;
  if (nGroups === 0 || p.M === 0 || p.N === 0) return;
  let { A, B } = p;
  if (p.f16) {
    if (!ctx.acquired.hasF16) throw new CefmError('gemm: the f16 path needs the shader-f16 feature');
    const count = (i: 0 | 1) => p.groups.reduce((m, pairs) => pairs.reduce((mm, pair) => Math.max(mm, pair[i] + 1), m), 0);
    A = toF16(ctx, A, count(0) * p.M * p.K);
    B = toF16(ctx, B, count(1) * p.K * p.N);
  }
  const shape = workgroupShape(v);
  const wx = Math.ceil(p.N / shape.cols), wy = Math.ceil(p.M / shape.rows);
  if (wx > 65535 || wy > 65535) throw new CefmError(`gemm ${p.M}x${p.N}x${p.K}: more than 65535 workgroups along a dimension`);
  const pipeline = {
    shader: SHADER[v.family],
    entryPoint: aligned(shapeOf(p)) ? 'main_vec4' : 'main',
    constants: { ...v.constants, TRANS_A: +p.transA, TRANS_B: +p.transB, ...epilogueConstants(p) },
    defines: defines(v, p),
  };
  const planBuf = ctx.runtime.uploadTemp(planOf(p.groups));
  const bias = p.bias ?? planBuf; // bound in every variant, read only with HAS_BIAS
  for (let zBase = 0; zBase < nGroups; zBase += 65535) {
    ctx.dispatch({
      pipeline,
      buffers: [A, B, p.C, planBuf, bias],
      uniforms: packUniforms([p.M, p.N, p.K, nGroups, p.M * p.K, p.K * p.N, p.M * p.N, zBase].map((u) => ({ u }))),
      workgroups: [wx, wy, Math.min(65535, nGroups - zBase)],
    });
  }
}

function epilogueConstants(p: GemmProblem): Record<string, number> {
  const activation = p.activation ?? 'none';
  const c: Record<string, number> = { HAS_BIAS: p.bias ? 1 : 0, ACTIVATE: activation === 'none' ? 0 : 1 };
  if (activation !== 'none') c.OP = ACTIVATION_OP[activation];
  return c;
}

// linear's activations as elementwise.wgsl's OP codes (its activate() is pasted in for the epilogue).
const ACTIVATION_OP: Record<Exclude<LinearActivation, 'none'>, number> = {
  relu: ActivationCode.relu, gelu: ActivationCode.gelu, gelu_tanh: ActivationCode.geluTanh,
};

/** Text pasted into the kernel: enables, matmul_common.wgsl (its ${T} then set), the activation. */
function defines(v: GemmVariant, p: GemmProblem): Record<string, string> {
  const enables = [p.f16 ? 'enable f16;' : '', v.family === 'subgroup' ? 'enable subgroups;' : ''].filter(Boolean);
  return {
    ENABLE: enables.join('\n'),
    GEMM_COMMON: wgslSource('matmul_common'),
    EPILOGUE: (p.activation ?? 'none') === 'none' ? 'fn activate(x: f32) -> f32 { return x; }' : wgslSource('elementwise'),
    T: p.f16 ? 'f16' : 'f32',
  };
}

/** An f16 copy of `count` f32 values (src/wgsl/matmul_f16.wgsl), in a scratch buffer. */
function toF16(ctx: KernelContext, src: GPUBuffer, count: number): GPUBuffer {
  const words = Math.ceil(count / 2);
  const dst = ctx.scratch(Math.max(16, 4 * words));
  if (words > 0) {
    ctx.dispatch({
      pipeline: { shader: 'matmul_f16', entryPoint: 'to_f16' },
      buffers: [src, dst],
      uniforms: packUniforms([{ u: count }]),
      workgroups: grid1d(Math.ceil(words / 256)),
    });
  }
  return dst;
}

/**
 * The autotune job of a size class: the candidates on a problem of the class cut to a size the
 * adapter times quickly (each dimension's remainder mod 4 kept, so the same entry point runs).
 */
function tuningJob(a: AcquiredDevice, s: GemmShape, key: string, cands: GemmVariant[]): TuningJob {
  const cap = a.summary.software ? 192 : 2048;
  const cut = (d: number) => (d <= cap ? d : cap + (d % 4));
  const t: GemmShape = { ...s, M: cut(s.M), N: cut(s.N), K: cut(s.K), groups: Math.min(s.groups, 2) };
  const groups = Array.from({ length: t.groups }, (_, z): [number, number][] => [[z, z]]);
  return {
    kernel: TUNING_KERNEL,
    key,
    label: `gemm tune ${key}`,
    candidates: cands.map(encodeGemmVariant),
    inputs: [t.groups * t.M * t.K, t.groups * t.K * t.N],
    outputs: [t.groups * t.M * t.N],
    record: (ctx, params, [A, B], [C]) => {
      const v = decode(params, cands)!;
      recordGemmWith(ctx, { ...t, A, B, C, groups }, v);
    },
  };
}
