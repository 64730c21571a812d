import { broadcastOffsets, broadcastShapes, broadcastStrides } from './broadcast.js';
import { defineOp, opError, refTensor, type RefTensor } from './op.js';

/** torch.matmul for operands of rank >= 2: [..., M, K] @ [..., K, N], batch dims broadcast. */
export const matmul = defineOp<Record<string, never>>({
  name: 'matmul',
  inputs: ['a', 'b'],
  outputs: ['out'],
  normalize(shapes) {
    if (shapes.length !== 2) throw opError('matmul', shapes, `expects 2 inputs, got ${shapes.length}`);
    const [a, b] = shapes;
    if (a.length < 2 || b.length < 2) throw opError('matmul', shapes, 'both operands need rank >= 2');
    if (a[a.length - 1] !== b[b.length - 2]) throw opError('matmul', shapes, `inner dimensions differ (${a[a.length - 1]} vs ${b[b.length - 2]})`);
    if (!broadcastShapes(a.slice(0, -2), b.slice(0, -2))) throw opError('matmul', shapes, 'batch dimensions do not broadcast');
    return {};
  },
  outputShapes([a, b]) {
    return [[...broadcastShapes(a.slice(0, -2), b.slice(0, -2))!, a[a.length - 2], b[b.length - 1]]];
  },
  differentiable: () => [true, true],
  cost([a, b]) {
    const g = matmulGeometry(a, b);
    return { flops: 2 * g.batch * g.m * g.n * g.k, bytes: 4 * (numelOf(a) + numelOf(b) + g.batch * g.m * g.n) };
  },
  reference: {
    forward([a, b]) {
      const g = matmulGeometry(a.shape, b.shape);
      const out = refTensor([...g.batchShape, g.m, g.n]);
      for (let bi = 0; bi < g.batch; bi++) {
        const ao = g.aOffsets[bi] * g.m * g.k, bo = g.bOffsets[bi] * g.k * g.n, oo = bi * g.m * g.n;
        for (let i = 0; i < g.m; i++)
          for (let j = 0; j < g.n; j++) {
            let s = 0;
            for (let p = 0; p < g.k; p++) s += a.data[ao + i * g.k + p] * b.data[bo + p * g.n + j];
            out.data[oo + i * g.n + j] = s;
          }
      }
      return [out];
    },
    backward([a, b], _outs, [dy]) {
      const g = matmulGeometry(a.shape, b.shape);
      const da = refTensor(a.shape), db = refTensor(b.shape);
      for (let bi = 0; bi < g.batch; bi++) {
        const ao = g.aOffsets[bi] * g.m * g.k, bo = g.bOffsets[bi] * g.k * g.n, oo = bi * g.m * g.n;
        for (let i = 0; i < g.m; i++)
          for (let j = 0; j < g.n; j++) {
            const d = dy.data[oo + i * g.n + j];
            for (let p = 0; p < g.k; p++) {
              da.data[ao + i * g.k + p] += d * b.data[bo + p * g.n + j];
              db.data[bo + p * g.n + j] += d * a.data[ao + i * g.k + p];
            }
          }
      }
      return [da, db];
    },
  },
});

export interface MatmulGeometry {
  m: number; n: number; k: number;
  batchShape: number[];
  batch: number;
  /** For each output batch index, the matrix index into a (resp. b) after broadcasting. */
  aOffsets: Int32Array;
  bOffsets: Int32Array;
}

/** Sizes and batch broadcasting of a matmul, shared by the reference and the backends. */
export function matmulGeometry(a: readonly number[], b: readonly number[]): MatmulGeometry {
  const m = a[a.length - 2], k = a[a.length - 1], n = b[b.length - 1];
  const batchShape = broadcastShapes(a.slice(0, -2), b.slice(0, -2))!;
  const aOffsets = broadcastOffsets(batchShape, broadcastStrides(a.slice(0, -2), batchShape));
  const bOffsets = broadcastOffsets(batchShape, broadcastStrides(b.slice(0, -2), batchShape));
  return { m, n, k, batchShape, batch: aOffsets.length, aOffsets, bOffsets };
}

function numelOf(s: readonly number[]): number {
  return s.reduce((x, y) => x * y, 1);
}

export type { RefTensor };
