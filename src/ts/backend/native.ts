import { type KernelProfileEntry, type NativeAddon, type NativeBufferHandle, loadAddon } from '../addon.js';
import { CefmError } from '../errors.js';
import type { Attrs } from '../ops/op.js';
import { type HostTensor, numel } from '../tensor.js';
import { type Backend, BackendBase, type BackendOptions, type DeviceTensor } from './backend.js';
import { track } from './scope.js';

class NativeTensor implements DeviceTensor {
  private handle: NativeBufferHandle | null;
  constructor(readonly backend: Backend, readonly shape: number[], handle: NativeBufferHandle) {
    this.handle = handle; // a dropped handle is freed by the addon's own finalizer
    track(this);
  }
  get buffer(): NativeBufferHandle {
    if (!this.handle) throw new CefmError(`native tensor [${this.shape}] used after dispose`);
    return this.handle;
  }
  dispose(): void {
    this.handle?.free();
    this.handle = null;
  }
}

/** The C++ backend: tensors are native buffers, kernels run in order on the addon's stream. */
export class NativeBackend extends BackendBase {
  readonly kind = 'native' as const;
  readonly description: string;
  private readonly addon: NativeAddon;
  constructor(private readonly options: BackendOptions = {}) {
    super();
    this.addon = loadAddon();
    const info = this.addon.info();
    this.description = `native CPU (${info.simd}, ${info.threads} threads)`;
  }

  upload(t: HostTensor): DeviceTensor {
    return new NativeTensor(this, [...t.shape], this.addon.fromArray(t.data));
  }
  empty(shape: number[]): DeviceTensor {
    return new NativeTensor(this, [...shape], this.addon.alloc(numel(shape), !!this.options.poison));
  }
  async download(t: DeviceTensor): Promise<HostTensor> {
    const data = await this.addon.read(this.own(t).buffer);
    return { shape: [...t.shape], data: data.length === numel(t.shape) ? data : data.subarray(0, numel(t.shape)) };
  }
  run(kernel: string, inputs: DeviceTensor[], outputs: DeviceTensor[], attrs: Attrs): void {
    const ins = inputs.map((t) => this.own(t)), outs = outputs.map((t) => this.own(t));
    this.addon.enqueue(kernel, ins.map((t) => t.buffer), ins.map((t) => t.shape), outs.map((t) => t.buffer), outs.map((t) => t.shape), attrs);
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
