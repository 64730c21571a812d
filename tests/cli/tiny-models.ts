// Tiny models trained once per CLI test file through `cefm-native train` on the real ISIC 2017 sample:
// a unet-test multi-task network (16 px) and a vit-test CEFM (32 px, stage all), a few steps each.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
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

export async function trainTinyModels(opts: { cefm?: boolean } = {}): Promise<TinyModels> {
  const dir = mkdtempSync(join(tmpdir(), 'cefm-cli-'));
  const mt = await runCli([...MULTITASK_ARGS, '--max-steps', '4', '--out', join(dir, 'mt')], { timeoutMs: 30000 });
  assert.is(mt.code, 0, mt.stderr);
  const multitask = join(dir, 'mt', 'model.safetensors');
  let cefm = '';
  if (opts.cefm !== false) {
    const c = await runCli(['train', '--model', 'cefm', '--preset', 'vit-test', '--image-size', '32', '--stage', 'all', '--data', ISIC_SPEC,
      '--multitask-model', multitask, '--max-steps', '3', ...FAST, '--out', join(dir, 'cefm')], { timeoutMs: 50000 });
    assert.is(c.code, 0, c.stderr);
    cefm = join(dir, 'cefm', 'model.safetensors');
  }
  return { dir, multitask, cefm, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
