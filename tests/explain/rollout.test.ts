// Attention rollout: the row-vector evaluation against the plain definition (the matrix product
// R = M_n ⋯ M_1 of the blocks' residual-mixed, renormalised maps), on random row-stochastic maps.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rolloutWeights } from '../../src/ts/explain/pipeline.js';
import { Rng } from '../util/rng.js';

function randomAttention(rng: Rng, L: number): Float32Array {
  const a = new Float32Array(L * L);
  for (let i = 0; i < L; i++) {
    let s = 0;
    for (let j = 0; j < L; j++) s += (a[i * L + j] = Math.exp(3 * rng.array(1)[0]));
    for (let j = 0; j < L; j++) a[i * L + j] /= s;
  }
  return a;
}

// Abnar & Zuidema's rollout as written: full matrices, block by block.
function rolloutByMatrices(maps: Float32Array[], L: number, cls: boolean): number[] {
  let r: number[] = Array.from({ length: L * L }, (_, k) => (k % (L + 1) === 0 ? 1 : 0));
  for (const a of maps) {
    const m = new Array(L * L).fill(0);
    for (let i = 0; i < L; i++) {
      let s = 0;
      for (let j = 0; j < L; j++) s += (m[i * L + j] = 0.5 * a[i * L + j] + (i === j ? 0.5 : 0));
      for (let j = 0; j < L; j++) m[i * L + j] /= s;
    }
    const next = new Array(L * L).fill(0);
    for (let i = 0; i < L; i++) for (let k = 0; k < L; k++) for (let j = 0; j < L; j++) next[i * L + j] += m[i * L + k] * r[k * L + j];
    r = next;
  }
  if (cls) return r.slice(1, L);
  return Array.from({ length: L }, (_, j) => {
    let s = 0;
    for (let i = 0; i < L; i++) s += r[i * L + j];
    return s / L;
  });
}

test('rolloutWeights equals the matrix-product rollout (class token and mean-query pooling)', () => {
  const rng = new Rng(11);
  for (const [L, blocks] of [[17, 3], [10, 1], [26, 4]] as const) {
    const maps = Array.from({ length: blocks }, () => randomAttention(rng, L));
    for (const cls of [true, false]) {
      const got = rolloutWeights(maps, L, cls), want = rolloutByMatrices(maps, L, cls);
      assert.is(got.length, want.length);
      const worst = Math.max(...want.map((w, j) => Math.abs(w - got[j]) / Math.max(1e-12, Math.abs(w))));
      assert.ok(worst < 1e-5, `L ${L}, ${blocks} blocks, cls ${cls}: worst relative error ${worst}`);
    }
  }
});

test.run();
