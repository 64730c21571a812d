// Reverse-mode autograd over any backend. A Tensor wraps a DeviceTensor; every op applied while a
// Graph records (see ./graph.ts) appends a node to that graph's tape, and `backward` walks the tape
// in reverse (creation order is a topological order), calling each op's `<op>_backward` kernel.
import type { Backend, DeviceTensor } from '../backend/backend.js';
import { CefmError } from '../errors.js';
import type { HostTensor } from '../tensor.js';
import { shapeString } from '../tensor.js';

export class Tensor {
  /** The gradient accumulated by `backward` (leaves that require grad only). */
  grad: DeviceTensor | null = null;

  constructor(
    public value: DeviceTensor,
    public requiresGrad = false,
  ) {}

  get shape(): number[] {
    return this.value.shape;
  }
  get backend(): Backend {
    return this.value.backend;
  }
  get rank(): number {
    return this.value.shape.length;
  }

  async toHost(): Promise<HostTensor> {
    return this.backend.download(this.value);
  }
  /** The single value of a one-element tensor (waits for the backend). */
  async item(): Promise<number> {
    const h = await this.toHost();
    if (h.data.length !== 1) throw new CefmError(`item() needs a one-element tensor, got ${shapeString(this.shape)}`);
    return h.data[0];
  }

  dispose(): void {
    this.value.dispose();
    this.grad?.dispose();
    this.grad = null;
  }
}

/**
 * A trainable tensor owned by a module. Its `value` may be replaced (optimisers update in place
 * when the backend can, or swap in a new buffer), and it is never freed by a Graph.
 */
export class Parameter extends Tensor {
  constructor(value: DeviceTensor, readonly name: string, requiresGrad = true) {
    super(value, requiresGrad);
  }

  /** Replace the value (e.g. after loading a checkpoint); frees the old buffer. */
  assign(value: DeviceTensor): void {
    if (shapeString(value.shape) !== shapeString(this.shape)) {
      throw new CefmError(`${this.name}: cannot assign a ${shapeString(value.shape)} tensor to a ${shapeString(this.shape)} parameter`);
    }
    if (value !== this.value) this.value.dispose();
    this.value = value;
  }

  zeroGrad(): void {
    this.grad?.dispose();
    this.grad = null;
  }
}

export function fromHost(be: Backend, t: HostTensor, requiresGrad = false): Tensor {
  return new Tensor(be.upload(t), requiresGrad);
}
