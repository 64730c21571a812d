import { CefmError } from '../errors.js';
import { shapeString } from '../tensor.js';

export type AttrValue = number | boolean | string | number[];
export type Attrs = Record<string, AttrValue>;

/** A tensor of the float64 reference: same layout as HostTensor, double precision. */
export interface RefTensor {
  shape: number[];
  data: Float64Array;
}

/** FLOPs and bytes moved by one call, for the benchmark's GFLOP/s and GB/s. */
export interface OpCost {
  flops: number;
  bytes: number;
}

/**
 * One op, defined once for every backend (see docs/ops.md for the kernel contract).
 *
 * A backend implements two kernels per op: `<name>` (inputs -> outputs) and, when the op has a
 * gradient, `<name>_backward` whose inputs are [...inputs, ...outputs, ...dOutputs] and whose
 * outputs are the gradients of the differentiable inputs, in input order.
 */
export interface OpDef<A extends Attrs = Attrs> {
  name: string;
  /** Input names; a trailing '?' marks an optional input (e.g. 'bias?'). */
  inputs: string[];
  /** Output names; their count is fixed for the op. */
  outputs: string[];
  /** Check input count, shapes and attrs; fill defaults. Throws opError(...) on bad arguments. */
  normalize(shapes: number[][], attrs: Partial<A> & Attrs): A;
  outputShapes(shapes: number[][], attrs: A): number[][];
  /** Which inputs get a gradient (the rest get null). Undefined: the op has no backward. */
  differentiable?(shapes: number[][], attrs: A): boolean[];
  /**
   * Which outputs carry a gradient (default: all). Others, like batch_norm's updated running
   * statistics, are state: their dOutput is ignored by backward and left out of gradient checks.
   */
  gradOutputs?: boolean[];
  /** Outputs that alias inputs on the device (in-place update): output index -> input index. */
  inplace?: Record<number, number>;
  /**
   * The one output holds input 0's values in the same order (reshape): a backend that shares
   * storage between tensors (Backend.alias) returns a view instead of running the kernel.
   */
  view?: boolean;
  /**
   * Every input's gradient is dOutput 0 summed over the dims the input was broadcast along (add,
   * reshape): a backend with Backend.alias returns dOutput 0 itself where the sizes match and a
   * `sum` elsewhere, instead of running the backward kernel (which stays the reference path).
   */
  gradIsSummedDy?: boolean;
  cost(shapes: number[][], attrs: A): OpCost;
  /** Cost of the backward kernel; default: twice the forward's FLOPs and bytes. */
  backwardCost?(shapes: number[][], attrs: A): OpCost;
  /** Float64 reference: slow and obviously right. */
  reference: {
    forward(inputs: RefTensor[], attrs: A): RefTensor[];
    backward?(inputs: RefTensor[], outputs: RefTensor[], dOutputs: RefTensor[], attrs: A): (RefTensor | null)[];
  };
}

/** The error for bad op arguments: names the op and every input shape. */
export function opError(op: string, shapes: number[][], problem: string): CefmError {
  return new CefmError(`${op}: ${problem} (input shapes ${shapes.map(shapeString).join(' ')})`);
}

/** Every op goes through here: its normalize is wrapped so that an attr it never reads is an error. */
export function defineOp<A extends Attrs>(def: OpDef<A>): OpDef<A> {
  return { ...def, normalize: rejectUnknownAttrs(def.name, def.normalize) };
}

/**
 * Wraps a normalize so that a key it never looks at (a typo such as `strides`) is an error naming
 * the op and the key, instead of silently meaning the default. Known keys are the ones the
 * normalize reads plus the ones it returns, so already-normalised attrs pass again unchanged.
 */
export function rejectUnknownAttrs<A extends Attrs>(op: string, normalize: OpDef<A>['normalize']): OpDef<A>['normalize'] {
  return (shapes, attrs) => {
    const given = attrs ?? {};
    // Fast path (every op call comes here): every given key is one the result names. Otherwise
    // normalize runs again under a Proxy that records the keys it reads (normalize is pure).
    const plain = normalize(shapes, given);
    let covered = true;
    for (const k in given) if (given[k] !== undefined && !Object.prototype.hasOwnProperty.call(plain, k)) covered = false;
    if (covered) return plain;
    const read = new Set<string>();
    const watched = new Proxy(given, {
      get(target, key, receiver) {
        if (typeof key === 'string') read.add(key);
        return Reflect.get(target, key, receiver);
      },
      has(target, key) {
        if (typeof key === 'string') read.add(key);
        return Reflect.has(target, key);
      },
    });
    const norm = normalize(shapes, watched);
    const known = new Set([...read, ...Object.keys(norm)]);
    const unknown = Object.keys(given).filter((k) => given[k] !== undefined && !known.has(k));
    if (unknown.length) {
      const list = [...known].join(', ') || 'none: it takes no attrs';
      throw new CefmError(`${op}: unknown attr '${unknown[0]}' (known: ${list})`);
    }
    return norm;
  };
}

/** Read a finite number attr with a default; NaN/Infinity or wrong type is an error. */
export function numAttr(op: string, shapes: number[][], attrs: Attrs, name: string, dflt?: number): number {
  const v = attrs[name] ?? dflt;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw opError(op, shapes, `attr ${name} must be a finite number, got ${JSON.stringify(attrs[name])}`);
  }
  return v;
}

/** Read an int pair attr ([a, b] or a single number for both). */
export function pairAttr(op: string, shapes: number[][], attrs: Attrs, name: string, dflt?: [number, number]): [number, number] {
  const v = attrs[name] ?? dflt;
  const pair = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((x) => Number.isInteger(x))) {
    throw opError(op, shapes, `attr ${name} must be an integer or a pair of integers, got ${JSON.stringify(attrs[name])}`);
  }
  return [pair[0], pair[1]];
}

export function refTensor(shape: number[], data?: Float64Array): RefTensor {
  let n = 1;
  for (const d of shape) n *= d;
  return { shape: [...shape], data: data ?? new Float64Array(n) };
}
