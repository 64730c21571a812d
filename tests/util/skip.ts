// A test that cannot run here (no GPU, a missing CPU feature or adapter feature) calls skip() and
// returns: tests/run.mjs counts it as skipped, not passed (uvu itself only knows test.skip, which
// is decided before the test runs).
import * as assert from 'uvu/assert';
import type { Backend } from '../../src/ts/backend/backend.js';

export const SKIP_MARK = '[cefm-skip]';
export const NO_GPU = 'no WebGPU adapter (CEFM_SKIP_GPU=1)';

/** Marks the running test as skipped, with the reason on stdout. */
export function skip(reason: string): void {
  process.stdout.write(`\n${SKIP_MARK} ${reason}\n`); // on a line of its own, after uvu's progress dots
}

/**
 * The closing test of a file that opened a backend: every tensor the tests made has been freed
 * (where the backend counts its memory), then the backend is disposed.
 */
export async function disposeBackend(opened: Promise<Backend | null>): Promise<void> {
  const be = await opened;
  if (!be) return skip(NO_GPU);
  await be.sync();
  (globalThis as { gc?: () => void }).gc?.();
  if (be.memory) assert.is(be.memory().buffers, 0, `${be.kind}: tensors left alive by the tests`);
  await be.dispose();
}
