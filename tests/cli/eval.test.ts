// `cefm-native eval` as a user runs it: the tiny multi-task model on the real ISIC 2017 sample.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../util/cli.js';
import { ISIC_SPEC, trainTinyModels, type TinyModels } from './tiny-models.js';

let m: TinyModels;
test.before(async () => { m = await trainTinyModels({ cefm: false }); });
test.after(() => m?.cleanup());

test('eval --json --plots: AUC, Jaccard, per-source entries and non-blank PNG plots', async () => {
  const plots = join(m.dir, 'plots');
  const r = await runCli(['eval', '--model', m.multitask, '--data', ISIC_SPEC, '--backend', 'native', '--quiet', '--json', '--plots', plots], { timeoutMs: 50000 });
  assert.is(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.is(j.arch, 'multitask');
  assert.is(j.all.images, 150);
  assert.is(j.all.failed, 0);
  const auc = j.all.melanoma.roc_auc.auc;
  assert.ok(auc >= 0 && auc <= 1, `auc ${auc}`);
  assert.ok(j.all.melanoma.roc_auc.lower <= auc && auc <= j.all.melanoma.roc_auc.upper);
  assert.is(j.all.melanoma.positives + j.all.melanoma.negatives, 150);
  const jac = j.all.segmentation.mean_jaccard;
  assert.ok(jac > 0 && jac < 1, `mean_jaccard ${jac}`);
  const sources = Object.entries(j.sources) as [string, { images: number; melanoma: { roc_auc: { auc: number } } }][];
  assert.is(sources.length, 1);
  assert.match(sources[0][0], /^isic2017:/);
  assert.is(sources[0][1].images, 150);
  assert.is(sources[0][1].melanoma.roc_auc.auc, auc, 'one source: its AUC is the overall one');

  const pngs = readdirSync(plots).filter((f) => f.endsWith('.png'));
  assert.ok(pngs.includes('roc.png'), pngs.join(', '));
  assert.equal([...j.plots].sort(), pngs.map((f) => join(plots, f)).sort());
  for (const f of pngs) {
    assert.ok(existsSync(join(plots, f)));
    const img = sharp(join(plots, f));
    const meta = await img.metadata();
    assert.is(meta.format, 'png', f);
    assert.ok(meta.width! >= 100 && meta.height! >= 100, `${f}: ${meta.width}x${meta.height}`);
    const stats = await img.stats();
    const spread = Math.max(...stats.channels.slice(0, 3).map((c) => c.max - c.min));
    assert.ok(spread > 50, `${f} looks blank`);
  }
});

test('eval with a missing model is one line naming it, non-zero exit', async () => {
  const r = await runCli(['eval', '--model', join(m.dir, 'nope.safetensors'), '--data', ISIC_SPEC, '--backend', 'native', '--quiet']);
  assert.ok(r.code !== 0);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.ok(r.stderr.includes('nope.safetensors'), r.stderr);
});

test.run();
