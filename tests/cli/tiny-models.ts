// Tiny models trained once per CLI test file through `cefm-native train` on the real ISIC 2017 sample:
// a unet-test multi-task network (16 px) and a vit-test CEFM (32 px, stage all), a few steps each.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { readSafetensorsF32 } from '../../src/ts/io/safetensors.js';
import { packageRoot } from '../../src/ts/paths.js';
import { runCli } from '../util/cli.js';

export const ISIC_SAMPLE = '../shared/data/isic2017-sample';
export const ISIC_SPEC = `isic2017:${ISIC_SAMPLE}`;
export const FAST = ['--batch', '4', '--workers', '0', '--backend', 'native', '--quiet'];
export const MULTITASK_ARGS = ['train', '--model', 'multitask', '--preset', 'unet-test', '--image-size', '16', '--data', ISIC_SPEC, ...FAST];

export interface TinyModels {
  dir: string;
  multitask: string;
  cefm: string;
  cleanup(): void;
}

export const cefmArgs = (multitask: string) => ['train', '--model', 'cefm', '--preset', 'vit-test', '--image-size', '32', '--stage', 'all', '--data', ISIC_SPEC,
  '--multitask-model', multitask, ...FAST];

export async function trainTinyModels(opts: { cefm?: boolean } = {}): Promise<TinyModels> {
  const dir = mkdtempSync(join(tmpdir(), 'cefm-cli-'));
  const mt = await runCli([...MULTITASK_ARGS, '--max-steps', '4', '--out', join(dir, 'mt')], { timeoutMs: 30000 });
  assert.is(mt.code, 0, mt.stderr);
  const multitask = join(dir, 'mt', 'model.safetensors');
  let cefm = '';
  if (opts.cefm !== false) {
    const c = await runCli([...cefmArgs(multitask), '--max-steps', '3', '--out', join(dir, 'cefm')], { timeoutMs: 50000 });
    assert.is(c.code, 0, c.stderr);
    cefm = join(dir, 'cefm', 'model.safetensors');
  }
  return { dir, multitask, cefm, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts `cefm-native <args>` and SIGKILLs it as soon as `checkpoint` exists; returns the step it holds. */
export async function killAtFirstCheckpoint(args: string[], checkpoint: string, finished: string): Promise<number> {
  const child = spawn(process.execPath, [join(packageRoot, 'bin', 'cefm-native.js'), ...args], { cwd: packageRoot, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const deadline = Date.now() + 40000;
  while (!existsSync(checkpoint) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  child.kill('SIGKILL');
  assert.is(await exited, 'SIGKILL');
  assert.ok(existsSync(checkpoint), `no ${checkpoint} before the deadline`);
  assert.is(existsSync(finished), false, 'the run finished before it was killed: nothing would be resumed');
  return checkpointStep(checkpoint);
}

export const checkpointStep = (file: string): number => JSON.parse(readSafetensorsF32(file).metadata['cefm.trainer']).step;

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** Every tensor of two safetensors files is bit-identical (same names, shapes, values). */
export function assertSameTensors(fileA: string, fileB: string, why: string): void {
  const ta = readSafetensorsF32(fileA).tensors, tb = readSafetensorsF32(fileB).tensors;
  assert.equal([...tb.keys()].sort(), [...ta.keys()].sort());
  for (const [name, t] of ta) {
    const u = tb.get(name)!;
    assert.equal(u.shape, t.shape, name);
    assert.is(maxAbsDiff(t.data, u.data), 0, `${name} differs (${why})`);
  }
}
