// What this machine offers (WebGPU adapters, the native addon, CPU) and what backend 'auto' picks:
// the data behind `cefm-native info`, for library users too.
import { cpus } from 'node:os';
import { addonStatus } from './addon.js';
import { type AutoChoice, autoChoice } from './backend/open.js';
import { type AdapterSummary, listAdapters } from './backend/webgpu/device.js';
import { packageVersion } from './version.js';

export interface InfoReport {
  version: string;
  node: string;
  platform: string;
  cpu: { model: string; logicalCores: number };
  adapters: AdapterSummary[];
  adapterError?: string;
  native: { ok: boolean; reason?: string; simd?: string; threads?: number; features?: Record<string, boolean>; kernels?: number };
  auto: AutoChoice;
}

export async function collectInfo(): Promise<InfoReport> {
  let adapters: AdapterSummary[] = [];
  let adapterError: string | undefined;
  try {
    adapters = await listAdapters();
  } catch (e) {
    adapterError = (e as Error).message;
  }
  const st = addonStatus();
  const native: InfoReport['native'] = st.ok
    ? (() => {
        const i = st.addon.info();
        return { ok: true, simd: i.simd, threads: i.threads, features: { avx2: i.avx2, fma: i.fma, avx512f: i.avx512f, neon: i.neon }, kernels: i.kernels.length };
      })()
    : { ok: false, reason: st.reason };
  const c = cpus();
  return {
    version: packageVersion,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: { model: c[0]?.model ?? 'unknown', logicalCores: c.length },
    adapters,
    adapterError,
    native,
    auto: autoChoice(adapters, native),
  };
}
