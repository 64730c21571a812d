import { addonStatus } from '../addon.js';
import { CefmError } from '../errors.js';
import type { Backend, BackendOptions } from './backend.js';
import { NativeBackend } from './native.js';
import { ReferenceBackend } from './reference.js';
import type { AdapterSummary } from './webgpu/device.js';
import { type WebGpuOptions, WebGpuBackend } from './webgpu/backend.js';

export type BackendChoice = 'auto' | 'webgpu' | 'native' | 'reference';

export interface OpenOptions extends BackendOptions, WebGpuOptions {
  /** Called with a line saying which backend 'auto' chose and why. */
  onChoice?: (message: string) => void;
  /**
   * Called with the one-line note that an explicit 'webgpu' runs on a software adapter (slow).
   * Default: written to stderr. Not called when allowSoftware is set explicitly.
   */
  onNote?: (message: string) => void;
}

export interface AutoChoice {
  backend: 'webgpu' | 'native' | 'none';
  reason: string;
}

/**
 * What 'auto' picks, the one place that rule lives: a hardware WebGPU adapter, else the native
 * CPU backend. A software adapter is never picked automatically (it is far slower than native).
 * `openBackend('auto')` and `cefm-native info` both follow it.
 */
export function autoChoice(adapters: Pick<AdapterSummary, 'name' | 'software'>[], native: { ok: boolean; reason?: string }): AutoChoice {
  const hw = adapters.find((a) => !a.software);
  if (hw) return { backend: 'webgpu', reason: `hardware adapter ${hw.name}` };
  if (native.ok) return { backend: 'native', reason: adapters.length ? 'only software WebGPU adapters (never picked automatically)' : 'no WebGPU adapter' };
  return { backend: 'none', reason: `no hardware WebGPU adapter and the native addon is not available${native.reason ? ` (${native.reason})` : ''}` };
}

/**
 * Opens a backend. 'webgpu' takes the best adapter there is, a software one too when it is the
 * only one (with a note that it is slow, unless allowSoftware was given). 'auto': see autoChoice.
 */
export async function openBackend(kind: BackendChoice = 'auto', options: OpenOptions = {}): Promise<Backend> {
  switch (kind) {
    case 'native':
      return new NativeBackend(options);
    case 'reference':
      return new ReferenceBackend(options);
    case 'webgpu': {
      const gpu = await WebGpuBackend.open({ ...options, allowSoftware: options.allowSoftware ?? true });
      if (gpu.software && options.allowSoftware === undefined) {
        const note = `note: WebGPU runs on a software adapter (${gpu.adapterName}): a CPU emulating a GPU, slow; --backend native is faster here`;
        (options.onNote ?? ((m: string) => process.stderr.write(`cefm-native: ${m}\n`)))(note);
      }
      return gpu;
    }
    case 'auto': {
      let gpuError = 'no WebGPU adapter';
      try {
        const gpu = await WebGpuBackend.open({ ...options, allowSoftware: false });
        const choice = autoChoice([{ name: gpu.adapterName, software: gpu.software }], { ok: true });
        options.onChoice?.(`auto: using ${gpu.description} (${choice.reason})`);
        return gpu;
      } catch (e) {
        gpuError = (e as Error).message;
      }
      const native = addonStatus();
      const choice = autoChoice([], native.ok ? { ok: true } : { ok: false, reason: native.reason });
      if (choice.backend === 'none') throw new CefmError(`auto: ${choice.reason}; WebGPU: ${gpuError}`);
      const be = new NativeBackend(options);
      options.onChoice?.(`auto: using ${be.description} (no hardware WebGPU adapter: ${gpuError})`);
      return be;
    }
    default:
      throw new CefmError(`unknown backend '${kind as string}' (use auto, webgpu, native or reference)`);
  }
}
