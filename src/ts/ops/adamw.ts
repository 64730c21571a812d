// One torch.optim.AdamW step (amsgrad off, maximize off) for one tensor, in place on the device.
import { shapeString } from '../tensor.js';
import { defineOp, numAttr, opError, refTensor, type Attrs } from './op.js';

export interface AdamwAttrs extends Attrs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weight_decay: number;
  /** 1-based count of steps taken, this one included. */
  step: number;
}

/** The per-step scalars every backend derives from the attrs (in float64, as PyTorch's Python does). */
export function adamwScalars(a: AdamwAttrs): { decay: number; stepSize: number; bias2Sqrt: number } {
  return {
    decay: 1 - a.lr * a.weight_decay,
    stepSize: a.lr / (1 - a.beta1 ** a.step),
    bias2Sqrt: Math.sqrt(1 - a.beta2 ** a.step),
  };
}

/**
 * p ← p·(1 − lr·wd); m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²;
 * p ← p − lr/(1 − β1^t) · m / (sqrt(v)/sqrt(1 − β2^t) + eps). Outputs alias param, m, v.
 */
export const adamwStep = defineOp<AdamwAttrs>({
  name: 'adamw_step',
  inputs: ['param', 'grad', 'm', 'v'],
  outputs: ['param', 'm', 'v'],
  inplace: { 0: 0, 1: 2, 2: 3 },
  normalize(shapes, attrs) {
    const op = 'adamw_step';
    if (shapes.length !== 4) throw opError(op, shapes, `expects 4 inputs (param, grad, m, v), got ${shapes.length}`);
    if (!shapes.every((s) => shapeString(s) === shapeString(shapes[0]))) throw opError(op, shapes, 'param, grad, m and v must have the same shape');
    const a: AdamwAttrs = {
      lr: numAttr(op, shapes, attrs, 'lr', 1e-3),
      beta1: numAttr(op, shapes, attrs, 'beta1', 0.9),
      beta2: numAttr(op, shapes, attrs, 'beta2', 0.999),
      eps: numAttr(op, shapes, attrs, 'eps', 1e-8),
      weight_decay: numAttr(op, shapes, attrs, 'weight_decay', 1e-2),
      step: numAttr(op, shapes, attrs, 'step'),
    };
    // torch.optim.AdamW's own argument checks
    if (a.lr < 0) throw opError(op, shapes, `invalid learning rate ${a.lr}`);
    if (a.eps < 0) throw opError(op, shapes, `invalid eps ${a.eps}`);
    if (!(a.beta1 >= 0 && a.beta1 < 1)) throw opError(op, shapes, `invalid beta1 ${a.beta1} (needs 0 <= beta1 < 1)`);
    if (!(a.beta2 >= 0 && a.beta2 < 1)) throw opError(op, shapes, `invalid beta2 ${a.beta2} (needs 0 <= beta2 < 1)`);
    if (a.weight_decay < 0) throw opError(op, shapes, `invalid weight_decay ${a.weight_decay}`);
    if (!Number.isInteger(a.step) || a.step < 1) throw opError(op, shapes, `attr step must be an integer >= 1 (1-based), got ${a.step}`);
    return a;
  },
  outputShapes: (shapes) => [shapes[0], shapes[0], shapes[0]],
  cost: ([p]) => {
    const n = p.reduce((x, y) => x * y, 1);
    return { flops: 12 * n, bytes: 28 * n };
  },
  reference: {
    forward([p, g, m, v], a) {
      const { decay, stepSize, bias2Sqrt } = adamwScalars(a);
      const p2 = refTensor(p.shape), m2 = refTensor(m.shape), v2 = refTensor(v.shape);
      for (let i = 0; i < p.data.length; i++) {
        m2.data[i] = a.beta1 * m.data[i] + (1 - a.beta1) * g.data[i];
        v2.data[i] = a.beta2 * v.data[i] + (1 - a.beta2) * g.data[i] ** 2;
        p2.data[i] = p.data[i] * decay - (stepSize * m2.data[i]) / (Math.sqrt(v2.data[i]) / bias2Sqrt + a.eps);
      }
      return [p2, m2, v2];
    },
  },
});
