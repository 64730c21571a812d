import { CefmError } from '../errors.js';
import type { Backend, BackendOptions } from './backend.js';
import { NativeBackend } from './native.js';
import { ReferenceBackend } from './reference.js';
import { type WebGpuOptions, WebGpuBackend } from './webgpu/backend.js';

export type BackendChoice = 'auto' | 'webgpu' | 'native' | 'reference';

export interface OpenOptions extends BackendOptions, WebGpuOptions {
  /** Called with a line saying which backend 'auto' chose and why. */
  onChoice?: (message: string) => void;
}

/**
 * Opens a backend. 'auto' takes a hardware WebGPU adapter when there is one, else the native CPU
 * backend: a software adapter is never picked automatically (it is far slower than native).
 */
export async function openBackend(kind: BackendChoice = 'auto', options: OpenOptions = {}): Promise<Backend> {
  switch (kind) {
    case 'native':
      return new NativeBackend(options);
    case 'reference':
      return new ReferenceBackend(options);
    case 'webgpu':
      return WebGpuBackend.open(options);
    case 'auto': {
      try {
        const gpu = await WebGpuBackend.open({ ...options, allowSoftware: false });
        options.onChoice?.(`auto: using ${gpu.description}`);
        return gpu;
      } catch (e) {
        const be = new NativeBackend(options);
        options.onChoice?.(`auto: using ${be.description} (no hardware WebGPU adapter: ${(e as Error).message})`);
        return be;
      }
    }
    default:
      throw new CefmError(`unknown backend '${kind as string}' (use auto, webgpu, native or reference)`);
  }
}
