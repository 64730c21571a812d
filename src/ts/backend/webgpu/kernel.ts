// What a WebGPU kernel implementation sees: the runtime's dispatch and tensors' buffers.
import type { Attrs } from '../../ops/op.js';
import type { DeviceTensor } from '../backend.js';
import type { AcquiredDevice } from './device.js';
import type { Dispatch, GpuRuntime } from './runtime.js';

export interface GpuTensorLike extends DeviceTensor {
  readonly buffer: GPUBuffer;
}

export interface KernelContext {
  runtime: GpuRuntime;
  device: GPUDevice;
  acquired: AcquiredDevice;
  /** Use the f16-storage variants where a kernel has them (inference only). */
  f16: boolean;
  dispatch(d: Dispatch): void;
  /** A temporary buffer, returned to the pool once the kernel has been recorded. */
  scratch(bytes: number): GPUBuffer;
  /** Tuned parameters for a kernel on this adapter (see autotune), or the defaults. */
  tuning<T extends Record<string, number>>(kernel: string, key: string, defaults: T): T;
}

/** Records the dispatches of one kernel (docs/ops.md) on the runtime. */
export type GpuKernel = (ctx: KernelContext, inputs: GpuTensorLike[], outputs: GpuTensorLike[], attrs: Attrs) => void;

/** Splits a 1-D workgroup count over x and y (each at most 65535); WGSL rebuilds the index as wid.x + wid.y * nwg.x. */
export function grid1d(workgroups: number): [number, number] {
  const x = Math.min(workgroups, 65535);
  return [x, Math.ceil(workgroups / x)];
}

/** Packs uniforms: integers as u32 (or i32 when negative), floats as f32, in declaration order (4 bytes each). */
export function packUniforms(values: ({ u: number } | { i: number } | { f: number })[]): ArrayBuffer {
  const buf = new ArrayBuffer(Math.max(16, Math.ceil((values.length * 4) / 16) * 16));
  const dv = new DataView(buf);
  values.forEach((v, k) => {
    if ('u' in v) dv.setUint32(4 * k, v.u, true);
    else if ('i' in v) dv.setInt32(4 * k, v.i, true);
    else dv.setFloat32(4 * k, v.f, true);
  });
  return buf;
}
