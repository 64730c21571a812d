// Adapter discovery and device creation through Dawn's node bindings (the `webgpu` package).
import { CefmError } from '../../errors.js';
import { quietDawn } from './dawn-log.js';

export type PowerPreference = 'high-performance' | 'low-power';

export interface DeviceOptions {
  /** Exact adapter name (as `cefm-native info` lists it). */
  adapterName?: string;
  /** Dawn backend: vulkan, metal, d3d12, d3d11, opengl, opengles, ... */
  dawnBackend?: string;
  powerPreference?: PowerPreference;
  /** Accept a software adapter (lavapipe, llvmpipe, SwiftShader, WARP). */
  allowSoftware?: boolean;
}

export interface AdapterSummary {
  name: string;
  backend: string;
  vendor: string;
  architecture: string;
  description: string;
  software: boolean;
  features: string[];
  limits: Record<string, number>;
}

type Gpu = GPU;
interface DawnModule {
  create(flags: string[]): Gpu;
  globals: Record<string, unknown>;
}

let dawn: DawnModule | undefined;

/** Loads dawn.node once and installs its WebGPU globals (GPUBufferUsage, ...). */
export async function loadDawn(): Promise<DawnModule> {
  if (dawn) return dawn;
  try {
    dawn = (await import('webgpu')) as unknown as DawnModule;
  } catch (e) {
    throw new CefmError(`cannot load the 'webgpu' package (Dawn): ${(e as Error).message.split('\n')[0]}`);
  }
  for (const [k, v] of Object.entries(dawn.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  return dawn;
}

// Dawn toggles: unsafe APIs for experimental features; no timestamp quantization so short kernels can be timed.
function dawnFlags(opts: DeviceOptions): string[] {
  const flags = ['enable-dawn-features=allow_unsafe_apis', 'disable-dawn-features=timestamp_quantization'];
  if (opts.dawnBackend) flags.push(`backend=${opts.dawnBackend}`);
  if (opts.adapterName) flags.push(`adapter=${opts.adapterName}`);
  return flags;
}

export const SOFTWARE_ADAPTER_HINT =
  'no WebGPU adapter found. On Debian/Ubuntu without a GPU install a software Vulkan driver: Mesa >= 24 lavapipe ' +
  '(Debian bookworm: add the bookworm-backports suite, then `apt-get install -t bookworm-backports libvulkan1 mesa-vulkan-drivers`)';

const SOFTWARE_PATTERN = /llvmpipe|lavapipe|swiftshader|warp|software|microsoft basic render/i;

export function isSoftwareAdapter(adapter: GPUAdapter): boolean {
  const info = adapter.info;
  return (
    (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true ||
    info.architecture === 'software' ||
    SOFTWARE_PATTERN.test(`${info.description} ${info.device} ${info.vendor}`)
  );
}

const KEY_LIMITS = [
  'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupStorageSize',
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxStorageBuffersPerShaderStage', 'maxComputeWorkgroupsPerDimension',
] as const;

function summarize(adapter: GPUAdapter, name: string, backend: string): AdapterSummary {
  const info = adapter.info;
  const limits: Record<string, number> = {};
  for (const k of KEY_LIMITS) limits[k] = Number((adapter.limits as unknown as Record<string, number>)[k]);
  return {
    name, backend,
    vendor: info.vendor, architecture: info.architecture, description: info.description,
    software: isSoftwareAdapter(adapter),
    features: [...adapter.features].map(String).sort(),
    limits,
  };
}

/** Every adapter Dawn can see, with features and key limits. Empty when there is none. */
export async function listAdapters(): Promise<AdapterSummary[]> {
  return quietDawn(listAdaptersLoud);
}

async function listAdaptersLoud(): Promise<AdapterSummary[]> {
  const mod = await loadDawn();
  // Dawn lists every adapter in the error for an adapter name that does not exist.
  let listing = '';
  try {
    const probe = mod.create(['adapter=\u0000none']);
    await probe.requestAdapter();
  } catch (e) {
    listing = (e as Error).message;
  }
  const found = [...listing.matchAll(/backend: '([^']+)', name: '([^']+)'/g)].map((m) => ({ backend: m[1], name: m[2] }));
  const out: AdapterSummary[] = [];
  for (const { backend, name } of found) {
    const gpu = mod.create(dawnFlags({ adapterName: name, dawnBackend: backend }));
    const adapter = await gpu.requestAdapter();
    if (adapter) out.push(summarize(adapter, name, backend));
  }
  return out;
}

export interface AcquiredDevice {
  gpu: Gpu;
  adapter: GPUAdapter;
  device: GPUDevice;
  summary: AdapterSummary;
  hasTimestamps: boolean;
  hasF16: boolean;
}

/** The adapter's display name: Dawn's listing name is the description's leading part. */
function adapterName(adapter: GPUAdapter): string {
  const d = adapter.info.description.split(':')[0].trim();
  return d || adapter.info.device || adapter.info.vendor || 'unknown adapter';
}

/**
 * Acquires a device. Without allowSoftware a software adapter is refused (it is slow and only
 * meant for tests). Requests timestamp-query and shader-f16 when offered, and the adapter's
 * larger buffer and workgroup limits.
 */
export async function acquireDevice(opts: DeviceOptions = {}): Promise<AcquiredDevice> {
  return quietDawn(() => acquireDeviceLoud(opts));
}

async function acquireDeviceLoud(opts: DeviceOptions): Promise<AcquiredDevice> {
  const mod = await loadDawn();
  let gpu: Gpu;
  let adapter: GPUAdapter | null;
  try {
    gpu = mod.create(dawnFlags(opts));
    adapter = await gpu.requestAdapter(opts.powerPreference ? { powerPreference: opts.powerPreference } : undefined);
  } catch (e) {
    const msg = (e as Error).message.split('\n');
    throw new CefmError(opts.adapterName ? `WebGPU adapter '${opts.adapterName}' not found (${msg.slice(1).join(' ').trim() || msg[0]})` : `${SOFTWARE_ADAPTER_HINT} (${msg[0]})`);
  }
  if (!adapter) throw new CefmError(SOFTWARE_ADAPTER_HINT);
  const software = isSoftwareAdapter(adapter);
  if (software && !opts.allowSoftware) {
    throw new CefmError(`only a software WebGPU adapter is available (${adapterName(adapter)}); choose it explicitly (--backend webgpu) to use it anyway`);
  }
  const want: GPUFeatureName[] = [];
  for (const f of ['timestamp-query', 'shader-f16', 'subgroups'] as GPUFeatureName[]) if (adapter.features.has(f)) want.push(f);
  const lim = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures: want,
    requiredLimits: {
      maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
      maxBufferSize: lim.maxBufferSize,
      maxComputeWorkgroupStorageSize: lim.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: lim.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: lim.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: lim.maxComputeWorkgroupSizeY,
      maxStorageBuffersPerShaderStage: lim.maxStorageBuffersPerShaderStage,
    },
  });
  return {
    gpu, adapter, device,
    summary: summarize(adapter, adapterName(adapter), opts.dawnBackend ?? 'default'),
    hasTimestamps: device.features.has('timestamp-query'),
    hasF16: device.features.has('shader-f16'),
  };
}
