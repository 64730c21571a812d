import { normalCdf } from './activations.js';
import { defineOp, opError, refTensor, type RefTensor } from './op.js';

export const linearActivations = ['none', 'relu', 'gelu', 'gelu_tanh'] as const;
export type LinearActivation = (typeof linearActivations)[number];

export type LinearAttrs = { activation: LinearActivation };

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** The fused epilogue in float64, as torch applies it after F.linear. */
export function applyActivation(v: number, activation: LinearActivation): number {
  switch (activation) {
    case 'relu':
      return v > 0 ? v : 0;
    case 'gelu':
      return v * normalCdf(v);
    case 'gelu_tanh':
      return 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v ** 3)));
    default:
      return v;
  }
}

/** Rows, input and output features of a linear call: x is viewed as [rows, I]. */
export function linearGeometry(x: readonly number[], w: readonly number[]): { rows: number; inF: number; outF: number } {
  return { rows: x.slice(0, -1).reduce((a, b) => a * b, 1), inF: w[1], outF: w[0] };
}

/** F.linear: y = x · wᵀ + bias over the last dim of x, then an optional fused activation. */
export const linear = defineOp<LinearAttrs>({
  name: 'linear',
  inputs: ['x', 'w', 'bias?'],
  outputs: ['y'],
  normalize(shapes, attrs) {
    if (shapes.length !== 2 && shapes.length !== 3) throw opError('linear', shapes, `expects 2 or 3 inputs (x, w, bias?), got ${shapes.length}`);
    const [x, w, bias] = shapes;
    if (x.length < 1) throw opError('linear', shapes, 'x needs rank >= 1');
    if (w.length !== 2) throw opError('linear', shapes, 'w must be [out_features, in_features]');
    if (x[x.length - 1] !== w[1]) throw opError('linear', shapes, `x has ${x[x.length - 1]} features but w expects ${w[1]}`);
    if (bias && (bias.length !== 1 || bias[0] !== w[0])) throw opError('linear', shapes, `bias must be [${w[0]}]`);
    const activation = attrs.activation ?? 'none';
    if (!linearActivations.includes(activation as LinearActivation)) {
      throw opError('linear', shapes, `attr activation must be one of ${linearActivations.join(', ')}, got ${JSON.stringify(activation)}`);
    }
    return { activation: activation as LinearActivation };
  },
  outputShapes([x, w]) {
    return [[...x.slice(0, -1), w[0]]];
  },
  differentiable(shapes, { activation }) {
    if (activation !== 'none') {
      throw opError('linear', shapes, `backward is defined for activation 'none' only (got '${activation}'): apply ${activation} as its own op to train`);
    }
    return shapes.map(() => true);
  },
  cost([x, w, bias], { activation }) {
    const g = linearGeometry(x, w);
    const outs = g.rows * g.outF;
    const epilogue = (bias ? 1 : 0) + (activation === 'none' ? 0 : activation === 'relu' ? 1 : 10);
    return {
      flops: 2 * g.rows * g.inF * g.outF + epilogue * outs,
      bytes: 4 * (g.rows * g.inF + g.outF * g.inF + (bias ? g.outF : 0) + outs),
    };
  },
  backwardCost([x, w, bias]) {
    const g = linearGeometry(x, w);
    return {
      flops: 4 * g.rows * g.inF * g.outF + (bias ? g.rows * g.outF : 0),
      bytes: 4 * (2 * g.rows * g.inF + 2 * g.outF * g.inF + g.rows * g.outF + (bias ? g.outF : 0)),
    };
  },
  reference: {
    forward([x, w, bias], { activation }) {
      const g = linearGeometry(x.shape, w.shape);
      const y = refTensor([...x.shape.slice(0, -1), g.outF]);
      for (let r = 0; r < g.rows; r++)
        for (let o = 0; o < g.outF; o++) {
          let s = bias ? bias.data[o] : 0;
          for (let i = 0; i < g.inF; i++) s += x.data[r * g.inF + i] * w.data[o * g.inF + i];
          y.data[r * g.outF + o] = applyActivation(s, activation);
        }
      return [y];
    },
    backward([x, w, bias], _outs, [dy]) {
      const g = linearGeometry(x.shape, w.shape);
      const dx = refTensor(x.shape), dw = refTensor(w.shape);
      const db: RefTensor | null = bias ? refTensor(bias.shape) : null;
      for (let r = 0; r < g.rows; r++)
        for (let o = 0; o < g.outF; o++) {
          const d = dy.data[r * g.outF + o];
          if (db) db.data[o] += d;
          for (let i = 0; i < g.inF; i++) {
            dx.data[r * g.inF + i] += d * w.data[o * g.inF + i];
            dw.data[o * g.inF + i] += d * x.data[r * g.inF + i];
          }
        }
      return db ? [dx, dw, db] : [dx, dw];
    },
  },
});
