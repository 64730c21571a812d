// Losses with a scalar (mean) output: cross_entropy, bce_with_logits, dice_loss. cross_entropy
// and nt_xent (./nt_xent.ts) share the row-softmax cross-entropy below.
import { CefmError } from '../errors.js';
import { numel, shapeString } from '../tensor.js';
import { defineOp, numAttr, opError, refTensor, type Attrs, type RefTensor } from './op.js';

/**
 * Cross-entropy of each row of `scale · logits[rows, cols]` against a target column, with an
 * optionally masked-out column per row (a logit of −∞). Returns each row's loss and the
 * gradient of Σ_i weight·loss_i with respect to the unscaled logits.
 */
export function rowSoftmaxCrossEntropy(
  logits: Float64Array, rows: number, cols: number, scale: number, target: (row: number) => number,
  masked: (row: number) => number = () => -1,
): { losses: Float64Array; grad: (weight: number) => Float64Array } {
  const losses = new Float64Array(rows), probs = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const z = (j: number) => (j === masked(i) ? -Infinity : scale * logits[i * cols + j]);
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, z(j));
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(z(j) - max);
    const lse = max + Math.log(sum);
    losses[i] = lse - z(target(i));
    for (let j = 0; j < cols; j++) probs[i * cols + j] = Math.exp(z(j) - lse);
  }
  const grad = (weight: number) => {
    const g = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) g[i * cols + j] = weight * scale * (probs[i * cols + j] - (j === target(i) ? 1 : 0));
    return g;
  };
  return { losses, grad };
}

const mean = (xs: Float64Array) => xs.reduce((s, v) => s + v, 0) / xs.length;
const scalar = (v: number): RefTensor => refTensor([], Float64Array.of(v));
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

function twoInputs(op: string, shapes: number[][]): void {
  if (shapes.length !== 2) throw opError(op, shapes, `expects 2 inputs, got ${shapes.length}`);
}

function sameShapes(op: string, shapes: number[][], minRank: number): void {
  twoInputs(op, shapes);
  const [x, y] = shapes;
  if (shapeString(x) !== shapeString(y)) throw opError(op, shapes, 'input and target shapes differ');
  if (x.length < minRank || numel(x) === 0) throw opError(op, shapes, `needs a non-empty input of rank >= ${minRank}`);
}

/** The class of a target value: its integer part, as `.long()` gives (kernels assume it lies in [0, C)). */
export function targetClass(t: number, classes: number, row: number): number {
  const k = Math.trunc(t);
  if (!(k >= 0 && k < classes)) throw new CefmError(`cross_entropy: target ${t} of row ${row} is not a class index in [0, ${classes})`);
  return k;
}

/**
 * F.cross_entropy(logits[N, C], target[N]) with mean reduction. The target holds class indices as
 * floats; normalize sees only shapes, so their values are not checked there: the native kernel
 * rejects an index outside [0, C) with an error, the WebGPU kernel returns NaN for that row.
 */
export const crossEntropy = defineOp<Record<string, never>>({
  name: 'cross_entropy',
  inputs: ['logits', 'target'],
  outputs: ['loss'],
  normalize(shapes) {
    twoInputs('cross_entropy', shapes);
    const [x, t] = shapes;
    if (x.length !== 2 || t.length !== 1) throw opError('cross_entropy', shapes, 'expects logits [N, C] and target [N]');
    if (t[0] !== x[0]) throw opError('cross_entropy', shapes, 'logits and target disagree on N');
    if (x[0] < 1 || x[1] < 1) throw opError('cross_entropy', shapes, 'needs N >= 1 and C >= 1');
    return {};
  },
  outputShapes: () => [[]],
  differentiable: () => [true, false],
  cost: ([x]) => ({ flops: 4 * numel(x), bytes: 4 * (numel(x) + x[0] + 1) }),
  reference: {
    forward([x, t]) {
      const [n, c] = x.shape;
      return [scalar(mean(rowSoftmaxCrossEntropy(x.data, n, c, 1, (i) => targetClass(t.data[i], c, i)).losses))];
    },
    backward([x, t], _outs, [dy]) {
      const [n, c] = x.shape;
      const ce = rowSoftmaxCrossEntropy(x.data, n, c, 1, (i) => targetClass(t.data[i], c, i));
      return [refTensor(x.shape, ce.grad(dy.data[0] / n)), null];
    },
  },
});

/**
 * F.binary_cross_entropy_with_logits(x, y, weight=w), mean over all elements (zero-weight ones
 * included), in the stable form. The weight is optional and has the shape of x.
 */
export const bceWithLogits = defineOp<Record<string, never>>({
  name: 'bce_with_logits',
  inputs: ['x', 'y', 'weight?'],
  outputs: ['loss'],
  normalize(shapes) {
    if (shapes.length !== 2 && shapes.length !== 3) throw opError('bce_with_logits', shapes, `expects 2 or 3 inputs (x, y, weight?), got ${shapes.length}`);
    sameShapes('bce_with_logits', shapes.slice(0, 2), 0);
    if (shapes.length === 3 && shapeString(shapes[2]) !== shapeString(shapes[0])) throw opError('bce_with_logits', shapes, 'weight and input shapes differ');
    return {};
  },
  outputShapes: () => [[]],
  differentiable: (shapes) => shapes.map((_, i) => i === 0),
  cost: (shapes) => ({ flops: 7 * numel(shapes[0]), bytes: 4 * shapes.length * numel(shapes[0]) }),
  reference: {
    forward([x, y, w]) {
      // max(x, 0) − x·y + log(1 + e^−|x|): no overflow for either sign of x.
      const terms = x.data.map((v, i) => (w ? w.data[i] : 1) * (Math.max(v, 0) - v * y.data[i] + Math.log1p(Math.exp(-Math.abs(v)))));
      return [scalar(mean(terms))];
    },
    backward([x, y, w], _outs, [dy]) {
      const g = dy.data[0] / x.data.length;
      const dx = refTensor(x.shape, x.data.map((v, i) => g * (w ? w.data[i] : 1) * (sigmoid(v) - y.data[i])));
      return w ? [dx, null, null] : [dx, null];
    },
  },
});

interface DiceAttrs extends Attrs {
  smooth: number;
}

/** Per-sample sums of a dice loss: I = Σσ(x)·y, S = Σσ(x), Y = Σy over the non-batch dims. */
function diceSums(x: RefTensor, y: RefTensor): { I: number; S: number; Y: number }[] {
  const n = x.shape[0], m = x.data.length / n;
  return Array.from({ length: n }, (_, b) => {
    let I = 0, S = 0, Y = 0;
    for (let k = b * m; k < (b + 1) * m; k++) {
      const s = sigmoid(x.data[k]);
      I += s * y.data[k];
      S += s;
      Y += y.data[k];
    }
    return { I, S, Y };
  });
}

/** Soft dice loss on logits: mean over N of 1 − (2·Σσ(x)·y + smooth) / (Σσ(x) + Σy + smooth), per sample. */
export const diceLoss = defineOp<DiceAttrs>({
  name: 'dice_loss',
  inputs: ['x', 'y'],
  outputs: ['loss'],
  normalize(shapes, attrs) {
    sameShapes('dice_loss', shapes, 2);
    const smooth = numAttr('dice_loss', shapes, attrs, 'smooth', 1);
    if (smooth < 0) throw opError('dice_loss', shapes, `attr smooth must be >= 0, got ${smooth}`);
    return { smooth };
  },
  outputShapes: () => [[]],
  differentiable: () => [true, false],
  cost: ([x]) => ({ flops: 8 * numel(x), bytes: 8 * numel(x) }),
  reference: {
    forward([x, y], a) {
      const losses = Float64Array.from(diceSums(x, y), ({ I, S, Y }) => 1 - (2 * I + a.smooth) / (S + Y + a.smooth));
      return [scalar(mean(losses))];
    },
    backward([x, y], _outs, [dy], a) {
      const n = x.shape[0], m = x.data.length / n;
      const sums = diceSums(x, y);
      const dx = refTensor(x.shape);
      for (let b = 0; b < n; b++) {
        // loss_b = 1 − A/B with A = 2I + smooth, B = S + Y + smooth: ∂loss_b/∂σ_k = (A − 2·y_k·B) / B².
        const A = 2 * sums[b].I + a.smooth, B = sums[b].S + sums[b].Y + a.smooth;
        for (let k = b * m; k < (b + 1) * m; k++) {
          const s = sigmoid(x.data[k]);
          dx.data[k] = (dy.data[0] / n) * ((A - 2 * y.data[k] * B) / (B * B)) * s * (1 - s);
        }
      }
      return [dx, null];
    },
  },
});
