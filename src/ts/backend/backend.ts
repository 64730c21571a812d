import { CefmError } from '../errors.js';
import type { Attrs, OpCost } from '../ops/op.js';
import { backwardCall } from '../ops/backward-call.js';
import { getOp } from '../ops/registry.js';
import { type HostTensor, numel, shapeString } from '../tensor.js';

export type BackendKind = 'webgpu' | 'native' | 'reference';

/** A tensor that lives on a backend (GPU buffer, native buffer, or float64 array). */
export interface DeviceTensor {
  readonly shape: number[];
  readonly backend: Backend;
  /** Free the memory now; using the tensor afterwards is an error. */
  dispose(): void;
}

/** Storage precision of a kernel's operands: f32 (default) or f16 storage with f32 accumulation. */
export type Precision = 'f32' | 'f16';

/**
 * Per-call options that are not attrs (they do not change the result's definition, only how it is
 * computed). A backend without an f16 variant of a kernel runs it in f32.
 */
export interface RunOptions {
  /** f16 storage (inference): WebGPU forward kernels with an f16 variant, where the adapter has shader-f16. */
  precision?: Precision;
}

/**
 * What every backend offers. Kernels run in submission order (a stream): `run` only enqueues,
 * `download` and `sync` wait. The op-level helpers below (`op`, `opBackward`, `forward`,
 * `backward`) are shared by all backends and built on `run`.
 */
export interface Backend {
  readonly kind: BackendKind;
  /** Human-readable: adapter name, CPU features and threads, ... */
  readonly description: string;
  upload(t: HostTensor): DeviceTensor;
  /** A new tensor; its content is undefined (NaN when the backend was opened with poison: true). */
  empty(shape: number[]): DeviceTensor;
  download(t: DeviceTensor): Promise<HostTensor>;
  /** Enqueue one kernel (docs/ops.md); outputs are preallocated by the caller. */
  run(kernel: string, inputs: DeviceTensor[], outputs: DeviceTensor[], attrs: Attrs, options?: RunOptions): void;
  sync(): Promise<void>;
  /** Run an op on device tensors: validates, allocates the outputs, enqueues. */
  op(name: string, inputs: DeviceTensor[], attrs?: Attrs, options?: RunOptions): DeviceTensor[];
  /** Gradients of the op's inputs (null where an input has none), on device. */
  opBackward(name: string, inputs: DeviceTensor[], outputs: DeviceTensor[], dOutputs: DeviceTensor[], attrs?: Attrs): (DeviceTensor | null)[];
  /** Host-tensor convenience: upload, run, download, free. */
  forward(name: string, inputs: HostTensor[], attrs?: Attrs, options?: RunOptions): Promise<HostTensor[]>;
  backward(name: string, inputs: HostTensor[], attrs: Attrs | undefined, dy: HostTensor | HostTensor[]): Promise<(HostTensor | null)[]>;
  /** Optional: time `repeats` runs of a kernel on the device clock (GPU timestamps), in ms each. */
  timeKernel?(kernel: string, inputs: DeviceTensor[], outputs: DeviceTensor[], attrs: Attrs, repeats: number, options?: RunOptions): Promise<number[]>;
  /** Optional: device time of each of `repeats` copies of `bytes` between two device buffers, in ms (bandwidth ceiling). */
  timeCopy?(bytes: number, repeats: number): Promise<number[]>;
  /** Optional: resolves once background work started by earlier kernels (WebGPU autotuning) is done. */
  settled?(): Promise<void>;
  /** Optional: device memory held by live tensors (pooled but unused memory not counted). */
  memory?(): { bytes: number; buffers: number };
  /**
   * Optional: a tensor of `shape` (same element count) sharing `t`'s storage. Where a backend has
   * it, views (reshape) and pass-through gradients (add) cost no copy; in-place kernels first give
   * their target storage of its own (copy on write), so no alias ever sees another's write.
   */
  alias?(t: DeviceTensor, shape: number[]): DeviceTensor;
  /** With alias: before an in-place write, give `t` storage no other tensor shares. */
  makeExclusive?(t: DeviceTensor): void;
  /** True on a software adapter (a CPU emulating a GPU): slow, sized down by benchmarks. */
  readonly software?: boolean;
  cost(name: string, shapes: number[][], attrs?: Attrs): OpCost;
  dispose(): Promise<void>;
}

export interface BackendOptions {
  /** Fill new tensors with NaN so a kernel that leaves an element unwritten is caught by tests. */
  poison?: boolean;
}

/** The shared op-level logic; a backend supplies upload/empty/download/run/sync/dispose. */
export abstract class BackendBase implements Backend {
  abstract readonly kind: BackendKind;
  abstract readonly description: string;
  abstract upload(t: HostTensor): DeviceTensor;
  abstract empty(shape: number[]): DeviceTensor;
  abstract download(t: DeviceTensor): Promise<HostTensor>;
  abstract run(kernel: string, inputs: DeviceTensor[], outputs: DeviceTensor[], attrs: Attrs, options?: RunOptions): void;
  abstract sync(): Promise<void>;
  abstract dispose(): Promise<void>;
  alias?(t: DeviceTensor, shape: number[]): DeviceTensor;
  makeExclusive?(t: DeviceTensor): void;

  op(name: string, inputs: DeviceTensor[], attrs: Attrs = {}, options?: RunOptions): DeviceTensor[] {
    const def = getOp(name);
    const shapes = inputs.map((t) => t.shape);
    const norm = def.normalize(shapes, attrs);
    const outShapes = def.outputShapes(shapes, norm);
    if (def.view && this.alias) return [this.alias(inputs[0], outShapes[0])];
    const outputs = outShapes.map((s, i) => {
      const src = def.inplace?.[i];
      if (src === undefined) return this.empty(s);
      this.makeExclusive?.(inputs[src]);
      return inputs[src];
    });
    this.run(name, inputs, outputs, norm, options);
    return outputs;
  }

  opBackward(name: string, inputs: DeviceTensor[], outputs: DeviceTensor[], dOutputs: DeviceTensor[], attrs: Attrs = {}): (DeviceTensor | null)[] {
    const def = getOp(name);
    const shapes = inputs.map((t) => t.shape);
    const norm = def.normalize(shapes, attrs);
    if (!def.differentiable) throw new CefmError(`${name}: this op has no backward`);
    const outShapes = def.outputShapes(shapes, norm);
    if (dOutputs.length !== outShapes.length) {
      throw new CefmError(`${name}: backward needs ${outShapes.length} output gradient(s), got ${dOutputs.length}`);
    }
    dOutputs.forEach((d, i) => {
      if (shapeString(d.shape) !== shapeString(outShapes[i])) {
        throw new CefmError(`${name}: output gradient ${i} has shape ${shapeString(d.shape)}, expected ${shapeString(outShapes[i])}`);
      }
    });
    const diff = def.differentiable(shapes, norm);
    if (def.gradIsSummedDy && this.alias) return inputs.map((t, i) => (diff[i] ? this.sumToShape(dOutputs[0], t.shape) : null));
    const grads = inputs.map((t, i) => (diff[i] ? this.empty(t.shape) : null));
    const call = backwardCall(name, inputs, outputs, dOutputs, grads);
    this.run(call.kernel, call.inputs, call.outputs, norm);
    return grads;
  }

  /** dy summed over the dims `shape` was broadcast along (a view of dy where none was), as `shape`. */
  private sumToShape(dy: DeviceTensor, shape: number[]): DeviceTensor {
    if (numel(shape) === numel(dy.shape)) return this.alias!(dy, shape);
    const lead = dy.shape.length - shape.length;
    const dims = dy.shape.flatMap((d, k) => (k < lead || (shape[k - lead] === 1 && d !== 1) ? [k] : []));
    const [summed] = this.op('sum', [dy], { dims, keepdim: true });
    const out = this.alias!(summed, shape);
    summed.dispose();
    return out;
  }

  async forward(name: string, inputs: HostTensor[], attrs: Attrs = {}, options?: RunOptions): Promise<HostTensor[]> {
    checkHostTensors(name, inputs);
    const dev = inputs.map((t) => this.upload(t));
    try {
      const outs = this.op(name, dev, attrs, options);
      const result = await Promise.all(outs.map((o) => this.download(o)));
      outs.forEach((o) => { if (!dev.includes(o)) o.dispose(); });
      return result;
    } finally {
      dev.forEach((t) => t.dispose());
    }
  }

  async backward(name: string, inputs: HostTensor[], attrs: Attrs = {}, dy: HostTensor | HostTensor[]): Promise<(HostTensor | null)[]> {
    const dys = Array.isArray(dy) ? dy : [dy];
    checkHostTensors(name, [...inputs, ...dys]);
    const dev = inputs.map((t) => this.upload(t));
    const dDev = dys.map((t) => this.upload(t));
    const owned: DeviceTensor[] = [...dev, ...dDev];
    try {
      const outs = this.op(name, dev, attrs);
      owned.push(...outs.filter((o) => !dev.includes(o)));
      const grads = this.opBackward(name, dev, outs, dDev, attrs);
      const result = await Promise.all(grads.map((g) => (g ? this.download(g) : null)));
      grads.forEach((g) => g?.dispose());
      return result;
    } finally {
      owned.forEach((t) => t.dispose());
    }
  }

  cost(name: string, shapes: number[][], attrs: Attrs = {}): OpCost {
    const def = getOp(name);
    return def.cost(shapes, def.normalize(shapes, attrs));
  }
}

function checkHostTensors(op: string, ts: HostTensor[]): void {
  ts.forEach((t, i) => {
    if (!t || !Array.isArray(t.shape) || !(t.data instanceof Float32Array)) {
      throw new CefmError(`${op}: input ${i} must be { shape: number[], data: Float32Array }`);
    }
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new CefmError(`${op}: input ${i} has an invalid shape ${JSON.stringify(t.shape)}`);
    }
    if (numel(t.shape) !== t.data.length) {
      throw new CefmError(`${op}: input ${i} has shape ${shapeString(t.shape)} (${numel(t.shape)} values) but ${t.data.length} values`);
    }
  });
}
