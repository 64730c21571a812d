// `cefm-native train --model cefm` (vit-test, stage all): resume after SIGKILL ends bit-identical to
// an uninterrupted run. (Own file: CEFM steps are slower, and each file stays under a minute.)
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../util/cli.js';
import { assertSameTensors, cefmArgs, checkpointStep, killAtFirstCheckpoint, trainTinyModels, type TinyModels } from './tiny-models.js';

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

test.run();
