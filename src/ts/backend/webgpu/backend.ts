import { CefmError } from '../../errors.js';
import type { Attrs } from '../../ops/op.js';
import { type HostTensor, numel, shapeString } from '../../tensor.js';
import { type Backend, BackendBase, type BackendOptions, type DeviceTensor } from '../backend.js';
import { type AcquiredDevice, type DeviceOptions, acquireDevice } from './device.js';
import { type GpuKernel, type GpuTensorLike, type KernelContext } from './kernel.js';
import { gpuKernels } from './kernels/index.js';
import { GpuRuntime } from './runtime.js';
import { Tuner } from './tuning.js';

class GpuTensor implements GpuTensorLike {
  private buf: GPUBuffer | null;
  constructor(readonly backend: WebGpuBackend, readonly shape: number[], buffer: GPUBuffer) {
    this.buf = buffer;
  }
  get buffer(): GPUBuffer {
    if (!this.buf) throw new CefmError(`GPU tensor ${shapeString(this.shape)} used after dispose`);
    return this.buf;
  }
  dispose(): void {
    if (this.buf) this.backend.releaseBuffer(this.buf);
    this.buf = null;
  }
}

export interface WebGpuOptions extends BackendOptions, DeviceOptions {
  /** Use f16-storage kernels (f32 accumulation) where available; needs shader-f16. */
  f16?: boolean;
}

/** The WebGPU backend: tensors are GPU buffers, kernels are hand-written WGSL (src/wgsl). */
export class WebGpuBackend extends BackendBase {
  readonly kind = 'webgpu' as const;
  readonly description: string;
  readonly runtime: GpuRuntime;
  private readonly ctx: KernelContext;
  private scratchBuffers: GPUBuffer[] = [];

  private constructor(readonly acquired: AcquiredDevice, private readonly options: WebGpuOptions) {
    super();
    this.runtime = new GpuRuntime(acquired);
    const s = acquired.summary;
    this.description = `WebGPU ${s.name} (${s.software ? 'software' : 'hardware'}${options.f16 ? ', f16 storage' : ''})`;
    if (options.f16 && !acquired.hasF16) throw new CefmError(`--f16 needs the shader-f16 feature, which ${s.name} lacks`);
    const tuner = new Tuner(s);
    this.ctx = {
      runtime: this.runtime,
      device: acquired.device,
      acquired,
      f16: !!options.f16,
      dispatch: (d) => this.runtime.dispatch(d),
      scratch: (bytes) => {
        const b = this.runtime.pool.acquire(bytes);
        this.scratchBuffers.push(b);
        return b;
      },
      tuning: (kernel, key, defaults) => tuner.get(kernel, key, defaults),
    };
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
  run(kernel: string, inputs: DeviceTensor[], outputs: DeviceTensor[], attrs: Attrs): void {
    const fn = this.kernel(kernel);
    const ins = inputs.map((t) => this.own(t)), outs = outputs.map((t) => this.own(t));
    this.runtime.beginKernel(`${kernel} ${ins.map((t) => shapeString(t.shape)).join(' ')}`);
    try {
      fn(this.ctx, ins, outs, attrs);
    } finally {
      this.releaseScratch();
    }
    this.runtime.endKernel();
  }
  /** GPU time (timestamp queries) of each of `repeats` runs of a kernel, in ms. */
  async timeKernel(kernel: string, inputs: DeviceTensor[], outputs: DeviceTensor[], attrs: Attrs, repeats: number): Promise<number[]> {
    const fn = this.kernel(kernel);
    const ins = inputs.map((t) => this.own(t)), outs = outputs.map((t) => this.own(t));
    try {
      return await this.runtime.time(kernel, repeats, () => fn(this.ctx, ins, outs, attrs));
    } finally {
      this.releaseScratch();
    }
  }
  sync(): Promise<void> {
    return this.runtime.sync();
  }
  async dispose(): Promise<void> {
    await this.runtime.destroy();
  }
  releaseBuffer(buf: GPUBuffer): void {
    this.runtime.pool.release(buf);
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
