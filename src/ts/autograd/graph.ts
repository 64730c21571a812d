// The tape and the memory scope of one forward (and backward) pass. While a Graph is current, every
// op result belongs to it and is freed by `dispose()` unless `keep()` took it out; when the graph
// records gradients, every differentiable op also appends a node to the tape.
import type { Backend, DeviceTensor } from '../backend/backend.js';
import { CefmError } from '../errors.js';
import type { Attrs } from '../ops/op.js';
import { getOp, opNames } from '../ops/registry.js';
import { numel, shapeString } from '../tensor.js';
import { Tensor } from './tensor.js';

interface TapeNode {
  op: string;
  attrs: Attrs;
  inputs: Tensor[];
  outputs: Tensor[];
}

const stack: Graph[] = [];

export class Graph {
  private readonly tape: TapeNode[] = [];
  private readonly owned = new Set<Tensor>();
  private disposed = false;

  /** @param grad record a tape for `backward` (false: inference, nothing is recorded). */
  constructor(readonly grad: boolean) {}

  static get current(): Graph | null {
    return stack.length ? stack[stack.length - 1] : null;
  }

  /** Whether ops applied now record gradients. */
  static get recording(): boolean {
    return Graph.current?.grad ?? false;
  }

  own(t: Tensor): void {
    this.owned.add(t);
  }

  record(op: string, attrs: Attrs, inputs: Tensor[], outputs: Tensor[]): void {
    this.tape.push({ op, attrs, inputs, outputs });
  }

  /** Take a tensor out of this graph's ownership: the caller frees it. */
  keep<T extends Tensor>(t: T): T {
    this.owned.delete(t);
    return t;
  }

  /**
   * Gradients of `loss` (a one-element tensor, or any tensor with `seed` as its output gradient)
   * with respect to every leaf that requires grad, accumulated into `leaf.grad`.
   */
  backward(loss: Tensor, seed?: DeviceTensor): void {
    if (!this.grad) throw new CefmError('backward: this graph was run without gradients (noGrad)');
    const be = loss.backend;
    const grads = new Map<Tensor, DeviceTensor>();
    if (!seed && numel(loss.shape) !== 1) throw new CefmError(`backward: the loss must have one element, got ${shapeString(loss.shape)}`);
    grads.set(loss, seed ?? be.upload({ shape: [...loss.shape], data: new Float32Array(numel(loss.shape)).fill(1) }));
    for (let i = this.tape.length - 1; i >= 0; i--) {
      const node = this.tape[i];
      const dOuts = node.outputs.map((o) => grads.get(o) ?? null);
      if (dOuts.every((d) => d === null)) continue;
      const def = getOp(node.op);
      const temps: DeviceTensor[] = [];
      const filled = dOuts.map((d, k) => {
        if (d) return d;
        // An output nothing used: state outputs (running statistics) are ignored by the kernel,
        // others contribute a zero gradient.
        if (def.gradOutputs && !def.gradOutputs[k]) return node.outputs[k].value;
        const z = zeros(be, node.outputs[k].shape);
        temps.push(z);
        return z;
      });
      const inGrads = be.opBackward(node.op, node.inputs.map((t) => t.value), node.outputs.map((o) => o.value), filled, node.attrs);
      for (const o of node.outputs) {
        grads.get(o)?.dispose();
        grads.delete(o);
      }
      temps.forEach((t) => t.dispose());
      inGrads.forEach((g, j) => {
        if (!g) return;
        const input = node.inputs[j];
        if (!input.requiresGrad) return g.dispose();
        const prev = grads.get(input);
        grads.set(input, prev ? accumulate(be, prev, g) : g);
      });
    }
    // What is left are the leaves' gradients.
    for (const [t, g] of grads) {
      t.grad = t.grad ? accumulate(be, t.grad, g) : g;
    }
    this.tape.length = 0;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.owned) t.dispose();
    this.owned.clear();
    this.tape.length = 0;
  }
}

let hasAccumulate: boolean | null = null;

/** a += b; b is consumed. Returns the tensor holding the sum. */
export function accumulate(be: Backend, a: DeviceTensor, b: DeviceTensor): DeviceTensor {
  hasAccumulate ??= opNames().includes('accumulate');
  if (hasAccumulate) {
    be.op('accumulate', [a, b]);
    b.dispose();
    return a;
  }
  const [sum] = be.op('add', [a, b]);
  a.dispose();
  b.dispose();
  return sum;
}

export function zeros(be: Backend, shape: number[]): DeviceTensor {
  return be.upload({ shape: [...shape], data: new Float32Array(numel(shape)) });
}

/**
 * Runs `fn` with a new current graph and frees every tensor it created, except those it kept
 * (`g.keep(t)`) — return values are not kept automatically, so keep what you return.
 */
export async function withGraph<T>(fn: (g: Graph) => T | Promise<T>, options: { grad?: boolean } = {}): Promise<T> {
  const g = new Graph(options.grad ?? true);
  stack.push(g);
  try {
    return await fn(g);
  } finally {
    closeCurrent(g, ' (an async graph overlapped another)');
    g.dispose();
  }
}

/** Takes `g` off the stack of current graphs; it must be the top one. */
function closeCurrent(g: Graph, why = ''): void {
  if (stack.pop() !== g) throw new CefmError(`autograd: graphs were not closed in order${why}`);
}

/** Inference: no tape, intermediate tensors freed at the end. */
export function noGrad<T>(fn: (g: Graph) => T | Promise<T>): Promise<T> {
  return withGraph(fn, { grad: false });
}

/**
 * Inference whose graph is current only during one synchronous call, so passes of several batches
 * may be in flight at once. The graph (with every tensor the pass made) is returned open: the caller
 * disposes it once the outputs are read back, so no intermediate is freed while queued kernels may
 * still use it (a WebGPU pool destroys buffers over its cap at once).
 */
export function noGradDetached<T>(fn: (g: Graph) => T): { result: T; graph: Graph } {
  const g = new Graph(false);
  stack.push(g);
  try {
    return { result: fn(g), graph: g };
  } catch (e) {
    g.dispose();
    throw e;
  } finally {
    closeCurrent(g);
  }
}
