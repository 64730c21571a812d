// Runs tests/io/io_reference.py (the PyTorch side) with Debian's python3.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/ts/paths.js';

export const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
export const FIXTURES = join(packageRoot, 'tests', 'fixtures', 'io');

export function ioReference(...args: string[]): string {
  const run = spawnSync(PYTHON, [join(packageRoot, 'tests', 'io', 'io_reference.py'), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`io_reference.py ${args[0]} failed: ${run.stderr || run.error}`);
  return run.stdout;
}
