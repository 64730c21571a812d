import { type KernelProfileEntry, type NativeAddon, type NativeBufferHandle, loadAddon } from '../addon.js';
import { CefmError } from '../errors.js';
import type { Attrs } from '../ops/op.js';
import { type HostTensor, numel } from '../tensor.js';
import { type Backend, BackendBase, type BackendOptions, type DeviceTensor } from './backend.js';
import { track } from './scope.js';

/** One native buffer and how many tensors share it (views, pass-through gradients). */
class Storage {
  refs = 1;
  constructor(readonly handle: NativeBufferHandle) {}
}

class NativeTensor implements DeviceTensor {
  private storage: Storage | null;
  constructor(readonly backend: Backend, readonly shape: number[], storage: Storage) {
    this.storage = storage; // a dropped handle is freed by the addon's own finalizer
    track(this);
  }
  get buffer(): NativeBufferHandle {
    return this.live().handle;
  }
  /** A new tensor of `shape` on the same buffer. */
  share(shape: number[]): NativeTensor {
    const s = this.live();
    s.refs++;
    return new NativeTensor(this.backend, shape, s);
  }
  get shared(): boolean {
    return this.live().refs > 1;
  }
  /** Take over `other`'s buffer (copy on write), letting go of this one's; `other` is left disposed. */
  takeStorage(other: NativeTensor): void {
    this.release();
    this.storage = other.live();
    other.storage = null;
  }
  dispose(): void {
    this.release();
  }
  private release(): void {
    const s = this.storage;
    this.storage = null;
    if (s && --s.refs === 0) s.handle.free();
  }
  private live(): Storage {
    if (!this.storage) throw new CefmError(`native tensor [${this.shape}] used after dispose`);
    return this.storage;
  }
}

/** The C++ backend: tensors are native buffers, kernels run in order on the addon's stream. */
export class NativeBackend extends BackendBase {
  readonly kind = 'native' as const;
  readonly description: string;
  private readonly addon: NativeAddon;
  private readonly kernels = new Map<string, number>();
  /** Scratch for enqueueIndexed's shapes (a bigger one is made for calls that need it). */
  private readonly meta = new Float64Array(256);
  constructor(private readonly options: BackendOptions = {}) {
    super();
    this.addon = loadAddon();
    const info = this.addon.info();
    this.description = `native CPU (${info.simd}, ${info.threads} threads)`;
  }

  upload(t: HostTensor): DeviceTensor {
    return new NativeTensor(this, [...t.shape], new Storage(this.addon.fromArray(t.data)));
  }
  empty(shape: number[]): DeviceTensor {
    return new NativeTensor(this, [...shape], new Storage(this.addon.alloc(numel(shape), !!this.options.poison)));
  }
  alias(t: DeviceTensor, shape: number[]): DeviceTensor {
    const own = this.own(t);
    if (numel(shape) !== numel(own.shape)) throw new CefmError(`alias: shape [${shape}] does not hold the ${numel(own.shape)} values of [${own.shape}]`);
    return own.share([...shape]);
  }
  makeExclusive(t: DeviceTensor): void {
    const own = this.own(t);
    if (!own.shared) return;
    const copy = this.own(this.empty(own.shape));
    this.run('reshape', [own], [copy], { shape: own.shape });
    own.takeStorage(copy);
  }
  async download(t: DeviceTensor): Promise<HostTensor> {
    const data = await this.addon.read(this.own(t).buffer);
    return { shape: [...t.shape], data: data.length === numel(t.shape) ? data : data.subarray(0, numel(t.shape)) };
  }
  run(kernel: string, inputs: DeviceTensor[], outputs: DeviceTensor[], attrs: Attrs): void {
    // The per-call path: the kernel by number and the shapes in one typed array cost a few N-API
    // calls instead of one per buffer, shape and dim (~3 µs of a small op's ~7).
    let index = this.kernels.get(kernel);
    if (index === undefined) {
      index = this.addon.kernelIndex(kernel);
      if (index < 0) throw new CefmError(`native backend has no kernel '${kernel}'`);
      this.kernels.set(kernel, index);
    }
    const count = inputs.length + outputs.length;
    let size = 2 + count;
    for (const t of inputs) size += t.shape.length;
    for (const t of outputs) size += t.shape.length;
    const meta = size <= this.meta.length ? this.meta : new Float64Array(size);
    meta[0] = inputs.length;
    meta[1] = outputs.length;
    const buffers: NativeBufferHandle[] = new Array(count);
    let at = 2;
    const pack = (t: DeviceTensor, k: number) => {
      buffers[k] = this.own(t).buffer;
      meta[at++] = t.shape.length;
      for (const d of t.shape) meta[at++] = d;
    };
    inputs.forEach((t, k) => pack(t, k));
    outputs.forEach((t, k) => pack(t, inputs.length + k));
    this.addon.enqueueIndexed(index, hasKeys(attrs) ? attrs : undefined, meta, ...buffers);
  }
  /** Wall-clock time of each of `repeats` back-to-back runs on the stream, in ms. */
  timeKernel(kernel: string, inputs: DeviceTensor[], outputs: DeviceTensor[], attrs: Attrs, repeats: number): Promise<number[]> {
    const ins = inputs.map((t) => this.own(t)), outs = outputs.map((t) => this.own(t));
    return this.addon.timeKernel(kernel, ins.map((t) => t.buffer), ins.map((t) => t.shape), outs.map((t) => t.buffer), outs.map((t) => t.shape), attrs, repeats);
  }
  sync(): Promise<void> {
    return this.addon.sync();
  }
  /** Live tensor bytes and buffers, and the bytes of freed buffers kept for reuse (native/core/buffer_cache.h). */
  memory(): { bytes: number; buffers: number; cachedBytes: number } {
    return this.addon.memory();
  }
  /** Per-kernel time of the work queued between `profileKernels(true)` and `profileKernels(false)`. */
  profileKernels(on: boolean): Promise<KernelProfileEntry[]> {
    return this.addon.kernelProfile(on);
  }
  async dispose(): Promise<void> {
    await this.sync();
  }

  private own(t: DeviceTensor): NativeTensor {
    if (!(t instanceof NativeTensor) || t.backend !== this) throw new CefmError('tensor belongs to another backend');
    return t;
  }
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}
