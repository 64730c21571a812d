import * as assert from 'uvu/assert';
import { type Backend, type BackendKind } from '../../src/ts/backend/backend.js';
import { openBackend } from '../../src/ts/backend/open.js';
import { getOp } from '../../src/ts/ops/registry.js';
import type { HostTensor } from '../../src/ts/tensor.js';
import { numel } from '../../src/ts/tensor.js';
import { type OpCase } from './case.js';
import { Rng, hashSeed } from '../util/rng.js';
import { caseName } from './case.js';
import { tolerance } from './tolerances.js';

/** Inputs of a case, reproducible from its name. */
export function caseInputs(c: OpCase): HostTensor[] {
  const rng = new Rng(hashSeed(caseName(c)));
  return c.shapes.map((shape, i) => ({ shape: [...shape], data: c.gen?.[i] ? c.gen[i](rng, shape) : rng.array(numel(shape)) }));
}

/** Random output gradients for a case (one per forward output). */
export function caseOutputGrads(c: OpCase, outputs: HostTensor[]): HostTensor[] {
  const rng = new Rng(hashSeed(`${caseName(c)}/dy`));
  return outputs.map((o) => ({ shape: [...o.shape], data: rng.array(numel(o.shape)) }));
}

/** ‖a − b‖ / ‖b‖ (absolute when ‖b‖ is 0); NaN anywhere gives Infinity. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    if (!Number.isFinite(a[i])) return Infinity;
    num += d * d;
    den += b[i] * b[i];
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/** Backends under test: CEFM_BACKENDS=native,webgpu narrows (default both). */
export function backendKinds(): BackendKind[] {
  const env = process.env.CEFM_BACKENDS;
  const kinds = env ? env.split(',').map((s) => s.trim()) : ['native', 'webgpu'];
  return kinds as BackendKind[];
}

/** Cases selected by CEFM_OPS=op1,op2 (default: all). */
export function selectCases(cases: OpCase[]): OpCase[] {
  return selectByOp(cases);
}

/** Anything with an `op` (cases, fixtures, op names wrapped) narrowed by CEFM_OPS=op1,op2 (default: all). */
export function selectByOp<T extends { op: string }>(items: T[]): T[] {
  const env = process.env.CEFM_OPS;
  if (!env) return items;
  const ops = new Set(env.split(',').map((s) => s.trim()));
  return items.filter((c) => ops.has(c.op));
}

/**
 * Opens a backend for tests. WebGPU without an adapter fails with install instructions unless
 * CEFM_SKIP_GPU=1, in which case it returns null and says loudly what is skipped.
 */
export async function openTestBackend(kind: BackendKind): Promise<Backend | null> {
  try {
    return await openBackend(kind, { poison: true, allowSoftware: true });
  } catch (e) {
    if (kind === 'webgpu' && process.env.CEFM_SKIP_GPU === '1') {
      console.warn(`\n!!! CEFM_SKIP_GPU=1: SKIPPING every WebGPU test (${(e as Error).message})\n`);
      return null;
    }
    throw e;
  }
}

export interface CaseResult {
  forward: number[];
  backward: (number | null)[];
}

/** Runs one case on a backend and on the reference; returns the relative errors per output and gradient. */
export async function compareWithReference(be: Backend, ref: Backend, c: OpCase): Promise<CaseResult> {
  const def = getOp(c.op);
  const inputs = caseInputs(c);
  const attrs = c.attrs ?? {};
  const refOut = await ref.forward(c.op, inputs, attrs);
  const out = await be.forward(c.op, inputs, attrs);
  const result: CaseResult = { forward: out.map((o, i) => relError(o.data, refOut[i].data)), backward: [] };
  if (def.differentiable && !c.forwardOnly) {
    const dys = caseOutputGrads(c, refOut);
    const refGrads = await ref.backward(c.op, inputs, attrs, dys);
    const grads = await be.backward(c.op, inputs, attrs, dys);
    result.backward = grads.map((g, i) => {
      const r = refGrads[i];
      if (!g || !r) return g === r ? null : Infinity;
      return relError(g.data, r.data);
    });
  }
  return result;
}

/** Asserts a case's forward outputs and input gradients on `be` are within the op's tolerance of the reference. */
export async function assertMatchesReference(be: Backend, ref: Backend, c: OpCase): Promise<void> {
  const tol = tolerance(c.op);
  const r = await compareWithReference(be, ref, c);
  r.forward.forEach((e, i) => assert.ok(e <= tol, `output ${i}: rel error ${e.toExponential(2)} > ${tol}`));
  r.backward.forEach((e, i) => assert.ok(e === null || e <= tol, `grad of input ${i}: rel error ${e?.toExponential(2)} > ${tol}`));
}

/** Central finite difference of loss() with respect to data[j] (restored afterwards). */
export function centralDifference(data: Float64Array, j: number, eps: number, loss: () => number): number {
  const saved = data[j];
  data[j] = saved + eps;
  const up = loss();
  data[j] = saved - eps;
  const down = loss();
  data[j] = saved;
  return (up - down) / (2 * eps);
}
