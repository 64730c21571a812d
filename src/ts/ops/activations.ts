import { numel } from '../tensor.js';
import { type Attrs, defineOp, opError, refTensor } from './op.js';

export interface UnaryAttrs extends Attrs {
  /** gelu only: 'none' (erf) or 'tanh'. */
  approximate: string;
}

/** An activation in float64: its value, and its derivative from the input x and output y. */
interface UnaryMath {
  f(x: number, attrs: UnaryAttrs): number;
  df(x: number, y: number, attrs: UnaryAttrs): number;
  /** Rough FLOPs per element, for the benchmark. */
  flops: number;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_TANH_CUBIC = 0.044715;

const unaryMath: Record<'relu' | 'sigmoid' | 'tanh' | 'gelu', UnaryMath> = {
  relu: { f: (x) => (x > 0 ? x : 0), df: (x) => (x > 0 ? 1 : 0), flops: 1 },
  sigmoid: { f: (x) => 1 / (1 + Math.exp(-x)), df: (_x, y) => y * (1 - y), flops: 4 },
  tanh: { f: (x) => Math.tanh(x), df: (_x, y) => 1 - y * y, flops: 6 },
  gelu: {
    f(x, { approximate }) {
      if (approximate === 'tanh') return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x ** 3)));
      return x * normalCdf(x);
    },
    df(x, _y, { approximate }) {
      if (approximate === 'tanh') {
        const t = Math.tanh(SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x ** 3));
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_CUBIC * x * x);
      }
      return normalCdf(x) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    },
    flops: 10,
  },
};

function unaryOp(name: keyof typeof unaryMath) {
  const m = unaryMath[name];
  return defineOp<UnaryAttrs>({
    name,
    inputs: ['x'],
    outputs: ['y'],
    normalize(shapes, attrs) {
      if (shapes.length !== 1) throw opError(name, shapes, `expects 1 input, got ${shapes.length}`);
      if (name !== 'gelu') return {} as UnaryAttrs;
      const approximate = attrs.approximate ?? 'none';
      if (approximate !== 'none' && approximate !== 'tanh') {
        throw opError(name, shapes, `attr approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
      }
      return { approximate };
    },
    outputShapes: ([x]) => [x],
    differentiable: () => [true],
    cost: ([x]) => ({ flops: m.flops * numel(x), bytes: 8 * numel(x) }),
    reference: {
      forward([x], attrs) {
        const y = refTensor(x.shape);
        for (let i = 0; i < x.data.length; i++) y.data[i] = m.f(x.data[i], attrs);
        return [y];
      },
      backward([x], [y], [dy], attrs) {
        const dx = refTensor(x.shape);
        for (let i = 0; i < x.data.length; i++) dx.data[i] = dy.data[i] * m.df(x.data[i], y.data[i], attrs);
        return [dx];
      },
    },
  });
}

export const relu = unaryOp('relu');
export const sigmoid = unaryOp('sigmoid');
export const tanh = unaryOp('tanh');
export const gelu = unaryOp('gelu');

/** Φ(x), the standard normal CDF, as 0.5·erfc(−x/√2) (no cancellation in the left tail). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/**
 * erfc in float64 (JS has no erf): the Maclaurin series of erf for |z| < 1.5, the continued
 * fraction erfc(z) = exp(−z²)/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))) above.
 */
export function erfc(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z < -1.5) return 2 - erfc(-z);
  if (z < 1.5) {
    // erf(z) = 2/√π · Σ (−1)^n z^(2n+1) / (n! (2n+1))
    let term = z, sum = z;
    for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  let frac = z;
  for (let k = 80; k >= 1; k--) frac = z + k / 2 / frac;
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / frac;
}
