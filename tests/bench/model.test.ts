// `bench model` through the CLI as a user runs it: one JSON object whose numbers are real
// measurements (no speed assertions: speed goals live in BENCHMARKS.md).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../util/cli.js';

const positive = (j: Record<string, unknown>, k: string) => {
  assert.type(j[k], 'number', `${k} is not a number: ${JSON.stringify(j[k])}`);
  assert.ok(Number.isFinite(j[k]) && (j[k] as number) > 0, `${k} = ${j[k]}, expected > 0`);
};

test('bench model --arch multitask --train --json prints one object of positive measurements', async () => {
  const r = await runCli(['bench', 'model', '--arch', 'multitask', '--preset', 'unet-test', '--image-size', '16', '--batch', '2',
    '--repeats', '1', '--warmup', '0', '--train', '--json'], { timeoutMs: 120000 });
  assert.is(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.is(j.arch, 'multitask');
  assert.is(j.preset, 'unet-test');
  assert.ok(j.backend === 'native' || j.backend === 'webgpu', `backend ${j.backend}`);
  assert.is(j.batch, 2);
  assert.is(j.image_size, 16);
  assert.type(j.device, 'string');
  for (const k of ['inference_images_per_s', 'train_images_per_s', 'inference_ms', 'train_ms', 'peak_rss_mb', 'parameters']) positive(j, k);
  if (j.backend === 'native') positive(j, 'threads');
  else assert.is(j.threads, null);
  // images/s is the batch over the median time of one call
  assert.ok(Math.abs(j.inference_images_per_s - (2 * 1000) / j.inference_ms) < 1e-6 * j.inference_images_per_s);
});

test('bench model refuses an unknown arch and a bad batch with a one-line error', async () => {
  for (const args of [['--arch', 'resnet'], ['--arch', 'multitask', '--batch', '0']]) {
    const r = await runCli(['bench', 'model', ...args, '--json']);
    assert.is.not(r.code, 0);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /--arch|--batch/);
  }
});

test.run();
