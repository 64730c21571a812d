// A torchvision ViT saved as safetensors, converted with `cefm-native convert`, gives PyTorch's logits
// through `cefm-native predict --json` on every backend (fixture: tests/fixtures/gen_predict_fixture.py).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../util/cli.js';
import { skip } from '../util/skip.js';

const fixtures = join('tests', 'fixtures', 'io');
const dir = mkdtempSync(join(tmpdir(), 'cefm-predict-tv-'));
const model = join(dir, 'vit.safetensors');
const expected = (JSON.parse(readFileSync(join(fixtures, 'predict_logits.json'), 'utf8')) as { logits: number[] }).logits;

test.before(async () => {
  const r = await runCli(['convert', '--from', 'torchvision', join(fixtures, 'torchvision_vit.safetensors'), '--out', model, '--heads', '3']);
  assert.is(r.code, 0, r.stderr);
});

for (const backend of ['native', 'webgpu']) {
  test(`predict --json on a converted torchvision ViT gives PyTorch's logits (${backend})`, async () => {
    const r = await runCli(['predict', join(fixtures, 'predict_input.png'), '--model', model, '--backend', backend, '--json'], { timeoutMs: 120000 });
    if (backend === 'webgpu' && r.code !== 0 && /adapter|WebGPU/i.test(r.stderr)) return skip(`no WebGPU adapter: ${r.stderr.trim()}`);
    assert.is(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.is(lines.length, 1, 'one JSON object');
    const rec = JSON.parse(lines[0]) as { logits: { vit: number[] }; probabilities: number[] };
    const got = rec.logits.vit;
    assert.is(got.length, expected.length);
    const scale = Math.max(...expected.map(Math.abs));
    const worst = Math.max(...got.map((v, i) => Math.abs(v - expected[i]))) / scale;
    assert.ok(worst <= 1e-4, `relative error ${worst} (ours ${got}, torch ${expected})`);
    assert.ok(Math.abs(rec.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-6, 'probabilities sum to 1');
  });
}

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
