import { numel, shapeString } from '../tensor.js';
import { type Attrs, defineOp, numAttr, opError, refTensor } from './op.js';
import { lastDimRows } from './rows.js';

export interface LayerNormAttrs extends Attrs {
  eps: number;
}

/** F.layer_norm over the last dim: y = (x − mean) / sqrt(var + eps) · weight + bias (biased var). */
export const layer_norm = defineOp<LayerNormAttrs>({
  name: 'layer_norm',
  inputs: ['x', 'weight', 'bias'],
  outputs: ['y'],
  normalize(shapes, attrs) {
    if (shapes.length !== 3) throw opError('layer_norm', shapes, `expects 3 inputs (x, weight, bias), got ${shapes.length}`);
    const [x, w, b] = shapes;
    if (x.length < 1) throw opError('layer_norm', shapes, 'x needs rank >= 1');
    const D = x[x.length - 1];
    for (const [label, s] of [['weight', w], ['bias', b]] as const) {
      if (s.length !== 1 || s[0] !== D) throw opError('layer_norm', shapes, `${label} must have shape [${D}], got ${shapeString(s)}`);
    }
    return { eps: numAttr('layer_norm', shapes, attrs, 'eps', 1e-5) };
  },
  outputShapes: ([x]) => [x],
  differentiable: () => [true, true, true],
  cost: ([x, w]) => ({ flops: 8 * numel(x), bytes: 4 * (2 * numel(x) + 2 * numel(w)) }),
  backwardCost: ([x, w]) => ({ flops: 16 * numel(x), bytes: 4 * (3 * numel(x) + 3 * numel(w)) }),
  reference: {
    forward([x, w, b], { eps }) {
      const { rows, D } = lastDimRows(x.shape);
      const y = refTensor(x.shape);
      for (let r = 0; r < rows; r++) {
        const { mean, rstd } = rowMoments(x.data, r * D, D, eps);
        for (let j = 0; j < D; j++) y.data[r * D + j] = (x.data[r * D + j] - mean) * rstd * w.data[j] + b.data[j];
      }
      return [y];
    },
    // With x̂ = (x − mean)·rstd and g = dy·w: dx = rstd (g − mean(g) − x̂ mean(g x̂)),
    // dweight = Σ_rows dy x̂, dbias = Σ_rows dy.
    backward([x, w], _outs, [dy], { eps }) {
      const { rows, D } = lastDimRows(x.shape);
      const dx = refTensor(x.shape), dw = refTensor([D]), db = refTensor([D]);
      for (let r = 0; r < rows; r++) {
        const { mean, rstd } = rowMoments(x.data, r * D, D, eps);
        let meanG = 0, meanGXhat = 0;
        for (let j = 0; j < D; j++) {
          const xhat = (x.data[r * D + j] - mean) * rstd, g = dy.data[r * D + j] * w.data[j];
          meanG += g / D;
          meanGXhat += (g * xhat) / D;
          dw.data[j] += dy.data[r * D + j] * xhat;
          db.data[j] += dy.data[r * D + j];
        }
        for (let j = 0; j < D; j++) {
          const xhat = (x.data[r * D + j] - mean) * rstd, g = dy.data[r * D + j] * w.data[j];
          dx.data[r * D + j] = rstd * (g - meanG - xhat * meanGXhat);
        }
      }
      return [dx, dw, db];
    },
  },
});

/** Mean and 1/sqrt(biased variance + eps) of data[off .. off+n), two passes. */
function rowMoments(data: Float64Array, off: number, n: number, eps: number): { mean: number; rstd: number } {
  let mean = 0;
  for (let j = 0; j < n; j++) mean += data[off + j];
  mean /= n;
  let v = 0;
  for (let j = 0; j < n; j++) v += (data[off + j] - mean) ** 2;
  return { mean, rstd: 1 / Math.sqrt(v / n + eps) };
}
