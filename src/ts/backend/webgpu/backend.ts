import { CefmError } from '../../errors.js';
import type { Attrs } from '../../ops/op.js';
import { type HostTensor, numel, shapeString } from '../../tensor.js';
import { type Backend, BackendBase, type BackendOptions, type DeviceTensor, type RunOptions } from '../backend.js';
import { track } from '../scope.js';
import { whenTuned } from './autotune.js';
import { type AcquiredDevice, type DeviceOptions, acquireDevice } from './device.js';
import { type GpuKernel, type GpuTensorLike, type KernelContext, grid1d, packUniforms } from './kernel.js';
import { gpuKernels } from './kernels/index.js';
import { GpuRuntime } from './runtime.js';
import { Tuner } from './tuning.js';

// A dropped tensor's buffer goes back to the pool when the tensor is collected (as native
// tensors' memory does), unless the backend was disposed first.
const finalizer = new FinalizationRegistry<{ backend: WebGpuBackend; buffer: GPUBuffer }>(({ backend, buffer }) => backend.releaseBuffer(buffer));

class GpuTensor implements GpuTensorLike {
  private buf: GPUBuffer | null;
  constructor(readonly backend: WebGpuBackend, readonly shape: number[], buffer: GPUBuffer) {
    this.buf = buffer;
    finalizer.register(this, { backend, buffer }, this);
    track(this);
  }
  get buffer(): GPUBuffer {
    if (!this.buf) throw new CefmError(`GPU tensor ${shapeString(this.shape)} used after dispose`);
    return this.buf;
  }
  dispose(): void {
    if (!this.buf) return;
    finalizer.unregister(this);
    this.backend.releaseBuffer(this.buf);
    this.buf = null;
  }
}

export interface WebGpuOptions extends BackendOptions, DeviceOptions {
  /**
   * Default precision of every call: f16-storage kernels (f32 accumulation) where available; needs
   * shader-f16. A call's own `precision` option overrides it.
   */
  f16?: boolean;
}

/** The WebGPU backend: tensors are GPU buffers, kernels are hand-written WGSL (src/wgsl). */
export class WebGpuBackend extends BackendBase {
  readonly kind = 'webgpu' as const;
  readonly description: string;
  readonly runtime: GpuRuntime;
  readonly software: boolean;
  /** The adapter's name, as `cefm-native info` lists it. */
  readonly adapterName: string;
  private readonly ctx: KernelContext;
  private readonly ctxF16: KernelContext;
  private scratchBuffers: GPUBuffer[] = [];
  private destroyed = false;

  private constructor(readonly acquired: AcquiredDevice, private readonly options: WebGpuOptions) {
    super();
    this.runtime = new GpuRuntime(acquired);
    const s = acquired.summary;
    this.software = s.software;
    this.adapterName = s.name;
    this.description = `WebGPU ${s.name} (${s.software ? 'software' : 'hardware'}${options.f16 ? ', f16 storage' : ''})`;
    if (options.f16 && !acquired.hasF16) throw new CefmError(`--f16 needs the shader-f16 feature, which ${s.name} lacks`);
    const tuner = new Tuner(s);
    this.ctx = {
      runtime: this.runtime,
      device: acquired.device,
      acquired,
      f16: false,
      dispatch: (d) => this.runtime.dispatch(d),
      scratch: (bytes) => {
        const b = this.runtime.pool.acquire(bytes);
        this.scratchBuffers.push(b);
        return b;
      },
      tuning: (kernel, key, defaults) => tuner.get(kernel, key, defaults),
    };
    this.ctxF16 = { ...this.ctx, f16: acquired.hasF16 };
  }

  static async open(options: WebGpuOptions = {}): Promise<WebGpuBackend> {
    return new WebGpuBackend(await acquireDevice(options), options);
  }

  upload(t: HostTensor): DeviceTensor {
    const buf = this.runtime.pool.acquire(t.data.byteLength);
    this.runtime.write(buf, t.data);
    return new GpuTensor(this, [...t.shape], buf);
  }
  empty(shape: number[]): DeviceTensor {
    const buf = this.runtime.pool.acquire(numel(shape) * 4);
    if (this.options.poison) this.runtime.write(buf, new Float32Array(buf.size / 4).fill(NaN));
    return new GpuTensor(this, [...shape], buf);
  }
  async download(t: DeviceTensor): Promise<HostTensor> {
    const g = this.own(t);
    const data = new Float32Array(await this.runtime.read(g.buffer, numel(g.shape) * 4));
    return { shape: [...g.shape], data };
  }
  run(kernel: string, inputs: DeviceTensor[], outputs: DeviceTensor[], attrs: Attrs, options?: RunOptions): void {
    const fn = this.kernel(kernel);
    const ins = inputs.map((t) => this.own(t)), outs = outputs.map((t) => this.own(t));
    const ctx = this.context(options);
    this.runtime.beginKernel(`${kernel} ${ins.map((t) => shapeString(t.shape)).join(' ')}`);
    try {
      fn(ctx, ins, outs, attrs);
    } finally {
      this.releaseScratch();
    }
    this.runtime.endKernel();
  }
  /** GPU time (timestamp queries) of each of `repeats` runs of a kernel, in ms. */
  async timeKernel(kernel: string, inputs: DeviceTensor[], outputs: DeviceTensor[], attrs: Attrs, repeats: number, options?: RunOptions): Promise<number[]> {
    const fn = this.kernel(kernel);
    const ins = inputs.map((t) => this.own(t)), outs = outputs.map((t) => this.own(t));
    const ctx = this.context(options);
    try {
      return await this.runtime.time(kernel, repeats, () => fn(ctx, ins, outs, attrs));
    } finally {
      this.releaseScratch();
    }
  }
  /** GPU time of each of `repeats` vec4 copies of `bytes` (src/wgsl/copy.wgsl), in ms: the bandwidth ceiling. */
  async timeCopy(bytes: number, repeats: number): Promise<number[]> {
    const n4 = Math.ceil(bytes / 16);
    const src = this.runtime.pool.acquire(16 * n4), dst = this.runtime.pool.acquire(16 * n4);
    try {
      const workgroups = grid1d(Math.ceil(n4 / 256));
      const uniforms = packUniforms([{ u: n4 }, { u: 0 }, { u: 0 }, { u: 0 }]);
      return await this.runtime.time('copy', repeats, () => this.runtime.dispatch({ pipeline: { shader: 'copy' }, buffers: [src, dst], uniforms, workgroups }));
    } finally {
      this.runtime.pool.release(src);
      this.runtime.pool.release(dst);
    }
  }
  /** Resolves once the kernel autotuning that earlier calls started has finished. */
  settled(): Promise<void> {
    return whenTuned(this.acquired);
  }
  /** GPU memory held by live tensors (the pool's buffers in use; free pooled buffers not counted). */
  memory(): { bytes: number; buffers: number } {
    const s = this.runtime.pool.stats();
    return { bytes: s.liveBytes, buffers: s.liveBuffers };
  }
  sync(): Promise<void> {
    return this.runtime.sync();
  }
  async dispose(): Promise<void> {
    this.destroyed = true;
    await this.runtime.destroy();
  }
  /** Returns a tensor's buffer to the pool (after dispose() the device is gone: nothing to do). */
  releaseBuffer(buf: GPUBuffer): void {
    if (!this.destroyed) this.runtime.pool.release(buf);
  }

  /** The call's precision, else the backend's default; f16 only where the adapter has shader-f16. */
  private context(options?: RunOptions): KernelContext {
    const precision = options?.precision ?? (this.options.f16 ? 'f16' : 'f32');
    return precision === 'f16' ? this.ctxF16 : this.ctx;
  }

  private releaseScratch(): void {
    for (const b of this.scratchBuffers) this.runtime.pool.release(b);
    this.scratchBuffers = [];
  }
  private kernel(name: string): GpuKernel {
    const fn = gpuKernels[name];
    if (!fn) throw new CefmError(`the WebGPU backend has no kernel '${name}'`);
    return fn;
  }
  private own(t: DeviceTensor): GpuTensor {
    if (!(t instanceof GpuTensor) || t.backend !== this) throw new CefmError('tensor belongs to another backend');
    return t;
  }
}

export type { Backend };
