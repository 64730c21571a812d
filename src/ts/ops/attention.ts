import { defineOp, numAttr, opError, refTensor, type RefTensor } from './op.js';

export interface AttentionAttrs extends Record<string, number> {
  scale: number;
}

/** Sizes of one attention call: q[B, H, L, D], k[B, H, S, D], v[B, H, S, Dv]. */
export interface AttentionGeometry {
  /** B * H: independent (batch, head) problems. */
  bh: number;
  L: number; S: number; D: number; Dv: number;
}

export function attentionGeometry([q, , v]: readonly (readonly number[])[]): AttentionGeometry {
  return { bh: q[0] * q[1], L: q[2], S: v[2], D: q[3], Dv: v[3] };
}

/**
 * F.scaled_dot_product_attention(q, k, v, scale=scale) without mask, dropout or causality:
 * out = softmax(q k^T * scale) v over the last dim. PyTorch 1.13 users write it out as
 * softmax(q @ k.transpose(-2, -1) * scale, -1) @ v; the semantics are the same.
 */
export const attention = defineOp<AttentionAttrs>({
  name: 'attention',
  inputs: ['q', 'k', 'v'],
  outputs: ['out'],
  normalize(shapes, attrs) {
    if (shapes.length !== 3) throw opError('attention', shapes, `expects 3 inputs (q, k, v), got ${shapes.length}`);
    const [q, k, v] = shapes;
    if (q.length !== 4 || k.length !== 4 || v.length !== 4) throw opError('attention', shapes, 'q, k and v must have rank 4 ([B, H, L, D])');
    if (k[0] !== q[0] || v[0] !== q[0] || k[1] !== q[1] || v[1] !== q[1]) throw opError('attention', shapes, 'q, k and v need the same batch and head sizes');
    if (k[3] !== q[3]) throw opError('attention', shapes, `q and k need the same feature size (${q[3]} vs ${k[3]})`);
    if (v[2] !== k[2]) throw opError('attention', shapes, `k and v need the same sequence length (${k[2]} vs ${v[2]})`);
    if (q[3] < 1) throw opError('attention', shapes, 'the feature size D must be at least 1');
    if (k[2] < 1) throw opError('attention', shapes, 'k and v need at least one key (S >= 1)');
    return { scale: numAttr('attention', shapes, attrs, 'scale', 1 / Math.sqrt(q[3])) };
  },
  outputShapes([q, , v]) {
    return [[q[0], q[1], q[2], v[3]]];
  },
  differentiable: () => [true, true, true],
  cost(shapes) {
    const g = attentionGeometry(shapes);
    // The two matrix products (q k^T and p v); the softmax is a few FLOPs per score on top.
    const flops = 2 * g.bh * g.L * g.S * (g.D + g.Dv);
    const bytes = 4 * g.bh * (g.L * g.D + g.S * g.D + g.S * g.Dv + g.L * g.Dv);
    return { flops, bytes };
  },
  reference: {
    forward([q, k, v], { scale }) {
      const g = attentionGeometry([q.shape, k.shape, v.shape]);
      const out = refTensor([q.shape[0], q.shape[1], g.L, g.Dv]);
      for (let b = 0; b < g.bh; b++) {
        for (let i = 0; i < g.L; i++) {
          const p = softmaxRow(q, k, b, i, g, scale);
          for (let c = 0; c < g.Dv; c++) {
            let s = 0;
            for (let j = 0; j < g.S; j++) s += p[j] * v.data[(b * g.S + j) * g.Dv + c];
            out.data[(b * g.L + i) * g.Dv + c] = s;
          }
        }
      }
      return [out];
    },
    // With p = softmax(s), s = scale q k^T: dv = p^T dy, dp = dy v^T, ds = p (dp - rowsum(p dp)),
    // dq = scale ds k, dk = scale ds^T q. p is recomputed from q and k.
    backward([q, k, v], _outputs, [dy], { scale }) {
      const g = attentionGeometry([q.shape, k.shape, v.shape]);
      const dq = refTensor(q.shape), dk = refTensor(k.shape), dv = refTensor(v.shape);
      for (let b = 0; b < g.bh; b++) {
        for (let i = 0; i < g.L; i++) {
          const p = softmaxRow(q, k, b, i, g, scale);
          const dyRow = (b * g.L + i) * g.Dv;
          const dp = new Float64Array(g.S);
          let pdp = 0;
          for (let j = 0; j < g.S; j++) {
            for (let c = 0; c < g.Dv; c++) {
              dp[j] += dy.data[dyRow + c] * v.data[(b * g.S + j) * g.Dv + c];
              dv.data[(b * g.S + j) * g.Dv + c] += p[j] * dy.data[dyRow + c];
            }
            pdp += p[j] * dp[j];
          }
          for (let j = 0; j < g.S; j++) {
            const ds = p[j] * (dp[j] - pdp) * scale;
            for (let d = 0; d < g.D; d++) {
              dq.data[(b * g.L + i) * g.D + d] += ds * k.data[(b * g.S + j) * g.D + d];
              dk.data[(b * g.S + j) * g.D + d] += ds * q.data[(b * g.L + i) * g.D + d];
            }
          }
        }
      }
      return [dq, dk, dv];
    },
  },
});

/** softmax_j(scale * q_i . k_j) for query row i of (batch, head) problem b. */
function softmaxRow(q: RefTensor, k: RefTensor, b: number, i: number, g: AttentionGeometry, scale: number): Float64Array {
  const s = new Float64Array(g.S);
  for (let j = 0; j < g.S; j++) {
    let dot = 0;
    for (let d = 0; d < g.D; d++) dot += q.data[(b * g.L + i) * g.D + d] * k.data[(b * g.S + j) * g.D + d];
    s[j] = dot * scale;
  }
  const max = s.reduce((m, x) => Math.max(m, x), -Infinity);
  let sum = 0;
  for (let j = 0; j < g.S; j++) sum += (s[j] = Math.exp(s[j] - max));
  for (let j = 0; j < g.S; j++) s[j] /= sum;
  return s;
}
