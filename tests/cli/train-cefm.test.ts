// `cefm-native train --model cefm` (vit-test, stage all): resume after SIGKILL ends bit-identical to
// an uninterrupted run. (Own file: CEFM steps are slower, and each file stays under a minute.)
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../util/cli.js';
import { readSafetensorsF32 } from '../../src/ts/io/safetensors.js';
import { assertSameTensors, cefmArgs, checkpointStep, killAtFirstCheckpoint, maxAbsDiff, trainTinyModels, type TinyModels } from './tiny-models.js';

let m: TinyModels;
test.before(async () => { m = await trainTinyModels({ cefm: false }); });
test.after(() => m?.cleanup());

test('CEFM: resume after SIGKILL ends with exactly the parameters of an uninterrupted run', async () => {
  const steps = 6;
  const args = [...cefmArgs(m.multitask), '--max-steps', String(steps), '--checkpoint-every', '2'];
  const a = await runCli([...args, '--out', join(m.dir, 'a')], { timeoutMs: 50000 });
  assert.is(a.code, 0, a.stderr);
  const outB = join(m.dir, 'b');
  const checkpoint = join(outB, 'backbone', 'last.safetensors');
  const killedAt = await killAtFirstCheckpoint([...args, '--out', outB], checkpoint, join(outB, 'model.safetensors'));
  assert.ok(killedAt > 0 && killedAt < steps, `checkpoint at step ${killedAt}`);
  const b = await runCli([...args, '--out', outB, '--resume'], { timeoutMs: 50000 });
  assert.is(b.code, 0, b.stderr);
  assert.is(checkpointStep(checkpoint), steps);
  assertSameTensors(join(m.dir, 'a', 'model.safetensors'), join(outB, 'model.safetensors'), `resumed from step ${killedAt}`);
});

test('--distill: the multi-task teacher changes the backbone; weight 0 is training without it; a non-multi-task teacher is refused', async () => {
  const args = [...cefmArgs(m.multitask), '--stage', 'backbone', '--max-steps', '2'];
  const run = async (name: string, extra: string[]) => {
    const r = await runCli([...args, ...extra, '--out', join(m.dir, name)], { timeoutMs: 50000 });
    assert.is(r.code, 0, r.stderr);
    return join(m.dir, name, 'model.safetensors');
  };
  const plain = await run('plain', []);
  const zero = await run('kd0', ['--distill', m.multitask, '--distill-weight', '0']);
  const half = await run('kd', ['--distill', m.multitask]);
  assertSameTensors(plain, zero, 'distillation weight 0');
  const a = readSafetensorsF32(plain).tensors, b = readSafetensorsF32(half).tensors;
  const changed = [...a.keys()].filter((k) => k.startsWith('backbone.') && maxAbsDiff(a.get(k)!.data, b.get(k)!.data) > 0);
  assert.ok(changed.length > 0, 'distillation left every backbone parameter as training without it');
  const bad = await runCli([...args, '--distill', plain, '--out', join(m.dir, 'bad')], { timeoutMs: 50000 });
  assert.is.not(bad.code, 0);
  assert.match(bad.stderr, /--distill: not a multi-task model/);
  assert.ok(bad.stderr.includes(plain), bad.stderr);
  const weight = await runCli([...args, '--distill', m.multitask, '--distill-weight', '2', '--out', join(m.dir, 'bad')], { timeoutMs: 50000 });
  assert.is(weight.code, 2, weight.stderr);
  assert.match(weight.stderr, /--distill-weight must be a number in \[0, 1\]/);
});

test.run();
