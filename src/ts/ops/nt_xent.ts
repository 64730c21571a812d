// NT-Xent, CEFM's contrastive loss: z = concat(normalize(z1), normalize(z2)) (2N rows, L2, eps
// 1e-12 as F.normalize), sim = z·zᵀ / tau with the diagonal masked out, cross-entropy of row i
// against its pair (i + N) mod 2N, mean over the 2N rows.
import { defineOp, numAttr, opError, refTensor, type Attrs } from './op.js';
import { rowSoftmaxCrossEntropy } from './losses.js';

/** F.normalize's floor on the norm. */
export const NORMALIZE_EPS = 1e-12;

interface NtXentAttrs extends Attrs {
  tau: number;
}

/** Rows of z1 then z2, each divided by max(‖row‖, eps); also the divisors. */
function normalizedRows(z1: Float64Array, z2: Float64Array, n: number, d: number): { z: Float64Array; norms: Float64Array } {
  const z = new Float64Array(2 * n * d), norms = new Float64Array(2 * n);
  for (let r = 0; r < 2 * n; r++) {
    const src = r < n ? z1 : z2, o = (r % n) * d;
    let ss = 0;
    for (let k = 0; k < d; k++) ss += src[o + k] ** 2;
    norms[r] = Math.max(Math.sqrt(ss), NORMALIZE_EPS);
    for (let k = 0; k < d; k++) z[r * d + k] = src[o + k] / norms[r];
  }
  return { z, norms };
}

function similarity(z: Float64Array, rows: number, d: number): Float64Array {
  const sim = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < rows; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += z[i * d + k] * z[j * d + k];
      sim[i * rows + j] = s;
    }
  return sim;
}

export const ntXent = defineOp<NtXentAttrs>({
  name: 'nt_xent',
  inputs: ['z1', 'z2'],
  outputs: ['loss'],
  normalize(shapes, attrs) {
    if (shapes.length !== 2) throw opError('nt_xent', shapes, `expects 2 inputs, got ${shapes.length}`);
    const [a, b] = shapes;
    if (a.length !== 2 || b.length !== 2 || a[0] !== b[0] || a[1] !== b[1]) throw opError('nt_xent', shapes, 'expects z1 and z2 of the same shape [N, D]');
    if (a[0] < 1 || a[1] < 1) throw opError('nt_xent', shapes, 'needs N >= 1 and D >= 1');
    const tau = numAttr('nt_xent', shapes, attrs, 'tau');
    if (tau <= 0) throw opError('nt_xent', shapes, `attr tau must be positive, got ${tau}`);
    return { tau };
  },
  outputShapes: () => [[]],
  differentiable: () => [true, true],
  cost([[n, d]]) {
    return { flops: 2 * (2 * n) ** 2 * d + 8 * (2 * n) ** 2, bytes: 4 * (2 * n * d + 1) };
  },
  reference: {
    forward([z1, z2], a) {
      const [n, d] = z1.shape;
      const { z } = normalizedRows(z1.data, z2.data, n, d);
      const ce = rowSoftmaxCrossEntropy(similarity(z, 2 * n, d), 2 * n, 2 * n, 1 / a.tau, (i) => (i + n) % (2 * n), (i) => i);
      return [refTensor([], Float64Array.of(ce.losses.reduce((s, v) => s + v, 0) / (2 * n)))];
    },
    backward([z1, z2], _outs, [dy], a) {
      const [n, d] = z1.shape, rows = 2 * n;
      const { z, norms } = normalizedRows(z1.data, z2.data, n, d);
      const ce = rowSoftmaxCrossEntropy(similarity(z, rows, d), rows, rows, 1 / a.tau, (i) => (i + n) % rows, (i) => i);
      const g = ce.grad(dy.data[0] / rows); // d loss / d sim (the masked diagonal gets 0)
      const dz1 = refTensor(z1.shape), dz2 = refTensor(z2.shape);
      for (let r = 0; r < rows; r++) {
        // sim = z·zᵀ: dz_r = Σ_j (g_rj + g_jr) z_j; then through z_r = x_r / max(‖x_r‖, eps).
        const dzn = new Float64Array(d);
        for (let j = 0; j < rows; j++) {
          const w = g[r * rows + j] + g[j * rows + r];
          for (let k = 0; k < d; k++) dzn[k] += w * z[j * d + k];
        }
        let dot = 0;
        for (let k = 0; k < d; k++) dot += dzn[k] * z[r * d + k];
        const clamped = norms[r] === NORMALIZE_EPS;
        const out = r < n ? dz1 : dz2, o = (r % n) * d;
        for (let k = 0; k < d; k++) out.data[o + k] = (dzn[k] - (clamped ? 0 : dot * z[r * d + k])) / norms[r];
      }
      return [dz1, dz2];
    },
  },
});
