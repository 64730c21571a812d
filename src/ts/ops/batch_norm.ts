import { numel, shapeString } from '../tensor.js';
import { type Attrs, defineOp, numAttr, opError, refTensor, type RefTensor } from './op.js';

export interface BatchNormAttrs extends Attrs {
  training: number;
  eps: number;
  momentum: number;
}

/** x [N, C, ...] as N × C runs of S contiguous elements (S = product of the spatial dims). */
export function batchNormGeometry(x: readonly number[]): { N: number; C: number; S: number } {
  return { N: x[0], C: x[1], S: numel(x.slice(2)) };
}

/**
 * F.batch_norm. Training: normalises with the batch statistics (biased variance) and returns the
 * running stats updated as (1 − momentum)·running + momentum·batch, with the unbiased variance.
 * Eval: normalises with the given running stats and returns them unchanged.
 */
export const batch_norm = defineOp<BatchNormAttrs>({
  name: 'batch_norm',
  inputs: ['x', 'weight', 'bias', 'running_mean', 'running_var'],
  outputs: ['y', 'new_running_mean', 'new_running_var'],
  gradOutputs: [true, false, false],
  normalize(shapes, attrs) {
    if (shapes.length !== 5) {
      throw opError('batch_norm', shapes, `expects 5 inputs (x, weight, bias, running_mean, running_var), got ${shapes.length}`);
    }
    const [x, ...perChannel] = shapes;
    if (x.length < 2) throw opError('batch_norm', shapes, 'x needs rank >= 2 ([N, C, ...])');
    const C = x[1];
    perChannel.forEach((s, i) => {
      if (s.length !== 1 || s[0] !== C) {
        throw opError('batch_norm', shapes, `${batch_norm.inputs[i + 1]} must have shape [${C}], got ${shapeString(s)}`);
      }
    });
    const training = numAttr('batch_norm', shapes, attrs, 'training', 0);
    if (training !== 0 && training !== 1) throw opError('batch_norm', shapes, `attr training must be a boolean or 0/1, got ${training}`);
    const { N, S } = batchNormGeometry(x);
    if (training && N * S <= 1) {
      throw opError('batch_norm', shapes, `expected more than 1 value per channel when training, got input size ${shapeString(x)}`);
    }
    return {
      training,
      eps: numAttr('batch_norm', shapes, attrs, 'eps', 1e-5),
      momentum: numAttr('batch_norm', shapes, attrs, 'momentum', 0.1),
    };
  },
  outputShapes: ([x, w]) => [x, w, w],
  differentiable: () => [true, true, true, false, false],
  cost: ([x, w], { training }) => ({ flops: (training ? 8 : 2) * numel(x), bytes: 4 * ((training ? 3 : 2) * numel(x) + 6 * numel(w)) }),
  reference: {
    forward([x, w, b, rm, rv], { training, eps, momentum }) {
      const { N, C, S } = batchNormGeometry(x.shape);
      const y = refTensor(x.shape), newMean = refTensor([C]), newVar = refTensor([C]);
      const stats = training ? batchStats(x) : { mean: rm.data, variance: rv.data };
      for (let c = 0; c < C; c++) {
        const rstd = 1 / Math.sqrt(stats.variance[c] + eps);
        forEachOfChannel(N, C, S, c, (i) => {
          y.data[i] = (x.data[i] - stats.mean[c]) * rstd * w.data[c] + b.data[c];
        });
        if (training) {
          const M = N * S;
          newMean.data[c] = (1 - momentum) * rm.data[c] + momentum * stats.mean[c];
          newVar.data[c] = (1 - momentum) * rv.data[c] + momentum * stats.variance[c] * (M / (M - 1));
        } else {
          newMean.data[c] = rm.data[c];
          newVar.data[c] = rv.data[c];
        }
      }
      return [y, newMean, newVar];
    },
    // dbias = Σ dy, dweight = Σ dy x̂. Training (batch stats depend on x):
    // dx = w·rstd (dy − mean(dy) − x̂ mean(dy x̂)); eval: dx = w·rstd·dy.
    // The running-stat outputs are buffers, not differentiated (as in PyTorch).
    backward([x, w, , rm, rv], _outs, [dy], { training, eps }) {
      const { N, C, S } = batchNormGeometry(x.shape);
      const M = N * S;
      const dx = refTensor(x.shape), dw = refTensor([C]), db = refTensor([C]);
      const stats = training ? batchStats(x) : { mean: rm.data, variance: rv.data };
      for (let c = 0; c < C; c++) {
        const rstd = 1 / Math.sqrt(stats.variance[c] + eps);
        const xhat = (i: number): number => (x.data[i] - stats.mean[c]) * rstd;
        forEachOfChannel(N, C, S, c, (i) => {
          db.data[c] += dy.data[i];
          dw.data[c] += dy.data[i] * xhat(i);
        });
        forEachOfChannel(N, C, S, c, (i) => {
          const centred = training ? dy.data[i] - db.data[c] / M - xhat(i) * (dw.data[c] / M) : dy.data[i];
          dx.data[i] = w.data[c] * rstd * centred;
        });
      }
      return [dx, dw, db, null, null];
    },
  },
});

/** Per-channel batch mean and biased variance (two passes). */
function batchStats(x: RefTensor): { mean: Float64Array; variance: Float64Array } {
  const { N, C, S } = batchNormGeometry(x.shape);
  const mean = new Float64Array(C), variance = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    forEachOfChannel(N, C, S, c, (i) => { mean[c] += x.data[i] / (N * S); });
    forEachOfChannel(N, C, S, c, (i) => { variance[c] += (x.data[i] - mean[c]) ** 2 / (N * S); });
  }
  return { mean, variance };
}

function forEachOfChannel(N: number, C: number, S: number, c: number, fn: (i: number) => void): void {
  for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) fn((n * C + c) * S + s);
}
