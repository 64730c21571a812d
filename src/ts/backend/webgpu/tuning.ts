// Per-adapter kernel parameters (tile sizes, workgroup shapes) found by autotuning, cached on
// disk keyed by adapter so each machine tunes once. CEFM_CACHE_DIR overrides the location.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../atomic.js';
import type { AdapterSummary } from './device.js';

type Params = Record<string, number>;

export function cacheDir(): string {
  return process.env.CEFM_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'cefm-native');
}

export class Tuner {
  readonly file: string;
  private table: Record<string, Params>;
  constructor(adapter: AdapterSummary) {
    const id = createHash('sha256').update(`${adapter.vendor}|${adapter.architecture}|${adapter.description}|${adapter.backend}`).digest('hex').slice(0, 16);
    this.file = join(cacheDir(), `tuning-${id}.json`);
    try {
      this.table = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, Params>;
    } catch {
      this.table = {};
    }
  }
  has(kernel: string, key: string): boolean {
    return `${kernel}|${key}` in this.table;
  }
  get<T extends Params>(kernel: string, key: string, defaults: T): T {
    const hit = this.table[`${kernel}|${key}`];
    return hit ? ({ ...defaults, ...hit } as T) : defaults;
  }
  set(kernel: string, key: string, params: Params): void {
    this.table[`${kernel}|${key}`] = params;
    try {
      writeFileAtomic(this.file, JSON.stringify(this.table, null, 1));
    } catch {
      // A read-only home is no reason to fail: the tuned values still hold for this process.
    }
  }
}
