// `cefm-native train` as a user runs it: outputs, bad flags, and resume after SIGKILL that ends
// bit-identical to an uninterrupted run.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readSafetensorsF32 } from '../../src/ts/io/safetensors.js';
import { runCli } from '../util/cli.js';
import { assertSameTensors, checkpointStep, killAtFirstCheckpoint, maxAbsDiff, MULTITASK_ARGS } from './tiny-models.js';

const dir = mkdtempSync(join(tmpdir(), 'cefm-cli-train-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('train writes a JSONL log and model.safetensors', async () => {
  const out = join(dir, 'smoke');
  const r = await runCli([...MULTITASK_ARGS, '--max-steps', '3', '--out', out, '--json'], { timeoutMs: 30000 });
  assert.is(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.is(summary.steps, 3);
  assert.ok(existsSync(join(out, 'model.safetensors')));
  const lines = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n');
  assert.ok(lines.length >= 1);
  const rec = JSON.parse(lines[lines.length - 1]);
  assert.is(rec.step, 3);
  assert.ok(Number.isFinite(rec.train_loss) && rec.train_loss > 0, JSON.stringify(rec));
  assert.type(rec.val_score, 'number');
  const model = readSafetensorsF32(join(out, 'model.safetensors'));
  assert.ok(model.tensors.size > 0);
});

test('a bad flag exits 2 with one line', async () => {
  for (const extra of [['--batch', '0'], ['--lr', 'fast'], ['--image-size', '4'], ['--augment', 'wild']]) {
    const r = await runCli([...MULTITASK_ARGS, '--out', join(dir, 'bad'), ...extra]);
    assert.is(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^cefm-native: /);
  }
  assert.is(existsSync(join(dir, 'bad', 'model.safetensors')), false);
});

test('resume after SIGKILL ends with exactly the parameters of an uninterrupted run', async () => {
  // 30 training images, batch 4: the resumed run crosses the end of epoch 1 (step 8: validation,
  // best model, the sampler's next epoch order).
  const steps = 12;
  const args = [...MULTITASK_ARGS, '--val-split', '0.8', '--max-steps', String(steps), '--checkpoint-every', '2'];
  const a = await runCli([...args, '--out', join(dir, 'a')], { timeoutMs: 40000 });
  assert.is(a.code, 0, a.stderr);

  // Run B: killed with SIGKILL as soon as its first checkpoint exists, then resumed.
  const outB = join(dir, 'b');
  const killedAt = await killAtFirstCheckpoint([...args, '--out', outB], join(outB, 'last.safetensors'), join(outB, 'model.safetensors'));
  assert.ok(killedAt > 0 && killedAt < 8, `checkpoint at step ${killedAt}`);
  const killed = readSafetensorsF32(join(outB, 'last.safetensors')).tensors;
  const b = await runCli([...args, '--out', outB, '--resume'], { timeoutMs: 40000 });
  assert.is(b.code, 0, b.stderr);
  assert.is(checkpointStep(join(outB, 'last.safetensors')), steps);
  const final = join(dir, 'a', 'model.safetensors');
  assertSameTensors(final, join(outB, 'model.safetensors'), `resumed from step ${killedAt}`);
  const ta = readSafetensorsF32(final).tensors;
  // the comparison can fail: the parameters at the kill differ from the final ones
  assert.ok([...ta].some(([name, t]) => maxAbsDiff(t.data, killed.get(name)!.data) > 0));
  assert.is(readFileSync(join(outB, 'log.jsonl'), 'utf8').trim().split('\n').length, 2, 'epochs 1 and 2 (partial) logged');
});

test.run();
