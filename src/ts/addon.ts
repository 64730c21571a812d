import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CefmError } from './errors.js';
import { packageRoot } from './paths.js';

/** A handle to float32 storage in native memory. */
export interface NativeBufferHandle {
  readonly size: number;
  free(): void;
}

export interface NativeInfo {
  simd: string;
  threads: number;
  avx2: boolean;
  fma: boolean;
  avx512f: boolean;
  neon: boolean;
  kernels: string[];
}

/** The functions cefm_native.node exports (native/core/bindings.cc, native/abc/abc_binding.cc). */
export interface NativeAddon {
  alloc(n: number, poison: boolean): NativeBufferHandle;
  fromArray(a: Float32Array): NativeBufferHandle;
  read(b: NativeBufferHandle): Promise<Float32Array>;
  enqueue(kernel: string, inputs: NativeBufferHandle[], inShapes: number[][], outputs: NativeBufferHandle[], outShapes: number[][], attrs: object): void;
  /**
   * enqueue with the kernel named by kernelIndex and the shapes packed in `meta` (nIn, nOut, then
   * each tensor's rank and dims, inputs first); the buffers follow in the same order.
   */
  enqueueIndexed(kernel: number, attrs: object | undefined, meta: Float64Array, ...buffers: NativeBufferHandle[]): void;
  /** A kernel's index for enqueueIndexed, or -1 when the addon has no such kernel. */
  kernelIndex(name: string): number;
  sync(): Promise<void>;
  timeKernel(kernel: string, inputs: NativeBufferHandle[], inShapes: number[][], outputs: NativeBufferHandle[], outShapes: number[][], attrs: object, repeats: number): Promise<number[]>;
  info(): NativeInfo;
  memory(): { bytes: number; buffers: number; cachedBytes: number };
  /** Peak FLOP/s of a register-only FMA loop on this CPU (native/core/peak.cc). */
  measurePeak(threads?: number): { isa: string; threads: number; perCoreGflops: number; totalGflops: number };
  /** Returns freed heap pages of all malloc arenas to the OS (glibc malloc_trim); false where unsupported or nothing was released. */
  releaseFreeMemory?(): boolean;
  /** The triangle-filter resize of data/image.ts's resizeRgbReference, byte for byte (native/image/resize.cc); absent in older builds. */
  resizeRgb?(rgb: Uint8Array, width: number, height: number, x: number, y: number, w: number, h: number, outWidth: number, outHeight: number): Uint8Array;
  /** Per-kernel stream time: true starts a fresh profile; false stops it and resolves to its entries, slowest first. */
  kernelProfile(on: boolean): Promise<KernelProfileEntry[]>;
  /** Redirects fd 2 to a temp file (false where unsupported or already redirected). */
  captureStderr?(): boolean;
  /** Restores fd 2; returns what was written to it since captureStderr. */
  releaseStderr?(): string;
  [name: string]: unknown;
}

export interface KernelProfileEntry {
  kernel: string;
  /** Input shapes, e.g. "[16,3,96,96] [12,3,3,3]". */
  shapes: string;
  calls: number;
  ms: number;
}

let cached: NativeAddon | undefined;
let loadError: CefmError | undefined;

/** Where the addon is looked for: CEFM_ADDON, then the cmake-js and node-gyp build folders. */
export function addonCandidates(): string[] {
  const env = process.env.CEFM_ADDON;
  if (env) return [env];
  return [join(packageRoot, 'build', 'Release', 'cefm_native.node'), join(packageRoot, 'build', 'Debug', 'cefm_native.node')];
}

/** Loads the native addon once; throws a one-line CefmError saying how to build it when missing. */
export function loadAddon(): NativeAddon {
  if (cached) return cached;
  if (loadError) throw loadError;
  const require = createRequire(import.meta.url);
  const candidates = addonCandidates();
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    loadError = new CefmError(
      `native addon not built (looked for ${candidates.join(', ')}); build it with \`npm run build:native\` in ${packageRoot} ` +
        '(npm does not run the build script of a dependency unless package.json approves it: `npm install-scripts approve cefm-native`)',
    );
    throw loadError;
  }
  try {
    cached = require(found) as NativeAddon;
    return cached;
  } catch (e) {
    loadError = new CefmError(`native addon at ${found} failed to load (${(e as Error).message.split('\n')[0]}); rebuild it with \`npm run build:native\``);
    throw loadError;
  }
}

/** The addon if it loads, else the reason it does not (for `info`). */
export function addonStatus(): { ok: true; addon: NativeAddon } | { ok: false; reason: string } {
  try {
    return { ok: true, addon: loadAddon() };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

/** Returns the heap's freed pages to the OS where the addon can (between batches of a long run); a no-op otherwise. */
export function releaseFreeMemory(): void {
  const status = addonStatus();
  if (status.ok) status.addon.releaseFreeMemory?.();
}
