// The GPU runtime: command batching, uniforms, readback, timestamp timing and error capture.
// Knows nothing about ops; kernels (./kernels) record dispatches through it.
import { CefmError } from '../../errors.js';
import { type AcquiredDevice } from './device.js';
import { BufferPool } from './buffers.js';
import { PipelineCache, type PipelineVariant } from './pipelines.js';

export interface Dispatch {
  pipeline: PipelineVariant;
  /** Storage buffers, bound at @group(0) @binding(0..n-1) in this order. */
  buffers: GPUBuffer[];
  /** Optional uniform block, bound at @binding(n) right after the buffers (u32/i32/f32 packed by the kernel). */
  uniforms?: ArrayBuffer;
  workgroups: [number, number?, number?];
}

const MAX_DISPATCHES_PER_SUBMIT = 64;

export class GpuRuntime {
  readonly device: GPUDevice;
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private passLabel = '';
  private kernelLabel = '';
  private pendingScopes: Promise<void>[] = [];
  private pendingTemps: GPUBuffer[] = [];
  private dispatches = 0;
  private pendingUniforms: GPUBuffer[] = [];
  private freeUniforms = new Map<number, GPUBuffer[]>();
  private error: CefmError | null = null;
  private lost = false;

  constructor(readonly acquired: AcquiredDevice) {
    this.device = acquired.device;
    this.pool = new BufferPool(this.device);
    this.pipelines = new PipelineCache(this.device);
    this.device.addEventListener('uncapturederror', (ev) => {
      const msg = (ev as GPUUncapturedErrorEvent).error.message;
      this.error ??= new CefmError(`WebGPU error: ${msg.split('\n')[0]}`);
    });
    void this.device.lost.then((info) => {
      if (info.reason !== 'destroyed') {
        this.lost = true;
        this.error ??= new CefmError(`WebGPU device lost: ${info.message || info.reason}`);
      }
    });
  }

  /** Starts the compute pass that the next dispatches go into, labelled with the op and shapes. */
  beginKernel(label: string, timestampWrites?: GPUComputePassTimestampWrites): void {
    this.checkAlive();
    this.kernelLabel = label;
    if (this.pass && !timestampWrites && this.passLabel === label) return;
    this.endPass();
    this.encoder ??= this.device.createCommandEncoder();
    this.pass = this.encoder.beginComputePass({ label, timestampWrites });
    this.passLabel = timestampWrites ? '' : label;
  }

  dispatch(d: Dispatch): void {
    if (!this.pass) this.beginKernel(this.kernelLabel);
    const pipeline = this.pipelines.get(d.pipeline);
    const entries: GPUBindGroupEntry[] = d.buffers.map((buffer, binding) => ({ binding, resource: { buffer } }));
    if (d.uniforms) entries.push({ binding: d.buffers.length, resource: { buffer: this.uniformBuffer(d.uniforms) } });
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const pass = this.pass!;
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    const [x, y = 1, z = 1] = d.workgroups;
    if (x > 0 && y > 0 && z > 0) pass.dispatchWorkgroups(x, y, z);
    this.dispatches++;
  }

  /** Closes the kernel's pass and submits when enough work has accumulated. */
  endKernel(): void {
    if (this.dispatches >= MAX_DISPATCHES_PER_SUBMIT) this.flush();
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
    this.passLabel = '';
  }

  /** Submits everything recorded so far. */
  flush(): void {
    this.endPass();
    if (!this.encoder) return;
    this.device.pushErrorScope('validation');
    const cb = this.encoder.finish();
    this.encoder = null;
    this.dispatches = 0;
    this.device.queue.submit([cb]);
    // Dawn's message names the compute pass, whose label is the op and its input shapes.
    this.pendingScopes.push(this.device.popErrorScope().then((err) => {
      if (err) this.error ??= new CefmError(`WebGPU validation error: ${err.message.replace(/\s*\n\s*/g, ' ')}`);
    }));
    // Uniform buffers may be rewritten now: later writes are ordered after this submission.
    for (const u of this.pendingUniforms) this.freeUniforms.get(u.size)!.push(u);
    this.pendingUniforms = [];
    for (const t of this.pendingTemps) t.destroy(); // freed by Dawn once the submitted work is done
    this.pendingTemps = [];
  }

  /** A read-only storage buffer holding `data`, for a kernel's small side tables; freed after submission. */
  uploadTemp(data: ArrayBufferView): GPUBuffer {
    const size = Math.max(16, Math.ceil(data.byteLength / 16) * 16);
    const buf = this.device.createBuffer({ size, usage: GPUBufferUsage.STORAGE, mappedAtCreation: true });
    new Uint8Array(buf.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    buf.unmap();
    this.pendingTemps.push(buf);
    return buf;
  }

  /** Writes host data into a buffer, ordered after all work recorded so far. */
  write(buffer: GPUBuffer, data: ArrayBufferView, offset = 0): void {
    this.checkAlive();
    if (this.encoder) this.flush();
    this.device.queue.writeBuffer(buffer, offset, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Copies `bytes` from a buffer back to the host, after all work recorded so far. */
  async read(buffer: GPUBuffer, bytes: number, offset = 0): Promise<ArrayBuffer> {
    this.checkAlive();
    const size = Math.ceil(bytes / 4) * 4;
    const staging = this.device.createBuffer({ size: Math.max(size, 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      this.encoder ??= this.device.createCommandEncoder();
      this.endPass();
      if (size > 0) this.encoder.copyBufferToBuffer(buffer, offset, staging, 0, size);
      this.flush();
      await staging.mapAsync(GPUMapMode.READ);
      const out = staging.getMappedRange(0, size).slice(0, bytes);
      staging.unmap();
      await this.checkErrors();
      return out;
    } finally {
      staging.destroy();
    }
  }

  /** Waits for the queue and reports any error raised by work submitted so far. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.checkErrors();
  }

  private async checkErrors(): Promise<void> {
    const scopes = this.pendingScopes;
    this.pendingScopes = [];
    await Promise.all(scopes);
    let compileError: unknown = null;
    try {
      await this.pipelines.check();
    } catch (e) {
      compileError = e;
    }
    const e = compileError ?? this.error; // a compile error explains the invalid-pipeline errors after it
    if (!this.lost) this.error = null;
    if (e) throw e;
  }

  private checkAlive(): void {
    if (this.lost) throw this.error ?? new CefmError('WebGPU device lost');
  }

  private uniformBuffer(data: ArrayBuffer): GPUBuffer {
    const size = Math.max(16, Math.ceil(data.byteLength / 16) * 16);
    let list = this.freeUniforms.get(size);
    if (!list) this.freeUniforms.set(size, (list = []));
    const buf = list.pop() ?? this.device.createBuffer({ size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    // Queue writes land before the submission that holds this dispatch.
    this.device.queue.writeBuffer(buf, 0, data);
    this.pendingUniforms.push(buf);
    return buf;
  }

  /**
   * Times `run` with timestamp queries: `repeats` passes, one per run, after everything already
   * recorded. Returns the GPU time of each in ms. The caller warms up first.
   */
  async time(label: string, repeats: number, run: () => void): Promise<number[]> {
    if (!this.acquired.hasTimestamps) throw new CefmError('this adapter has no timestamp-query feature');
    const n = Math.min(repeats, 2048);
    const querySet = this.device.createQuerySet({ type: 'timestamp', count: 2 * n });
    const resolve = this.device.createBuffer({ size: 16 * n, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    try {
      this.flush();
      for (let r = 0; r < n; r++) {
        this.beginKernel(label, { querySet, beginningOfPassWriteIndex: 2 * r, endOfPassWriteIndex: 2 * r + 1 });
        run();
        this.endPass();
      }
      this.encoder!.resolveQuerySet(querySet, 0, 2 * n, resolve, 0);
      const raw = new BigInt64Array(await this.read(resolve, 16 * n));
      const times: number[] = [];
      for (let r = 0; r < n; r++) times.push(Number(raw[2 * r + 1] - raw[2 * r]) / 1e6);
      return times;
    } finally {
      querySet.destroy();
      resolve.destroy();
    }
  }

  async destroy(): Promise<void> {
    try {
      this.flush();
      if (!this.lost) await this.device.queue.onSubmittedWorkDone();
    } finally {
      this.pool.destroy();
      for (const list of this.freeUniforms.values()) for (const b of list) b.destroy();
      this.device.destroy();
    }
  }
}
