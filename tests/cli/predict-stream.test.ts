// `predict` streams: over 100,000 images (a generated list of distinct paths) its memory stays flat,
// records are appended as they finish, and the list is read from a file (too long for argv).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NativeBackend } from '../../src/ts/backend/native.js';
import { buildModel, saveModelFile } from '../../src/ts/models/file.js';
import { vitConfig } from '../../src/ts/models/vit.js';
import { packageRoot } from '../../src/ts/paths.js';
import { Rng } from '../data/fixtures.js';

const IMAGES = Number(process.env.CEFM_STREAM_IMAGES ?? 100_000);
let dir: string;

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'cefm-stream-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Resident set size of a process in MB (Linux). */
function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Lines written so far (records appended as they finish). */
function linesIn(file: string): number {
  try {
    const b = readFileSync(file);
    let n = 0;
    for (const c of b) if (c === 10) n++;
    return n;
  } catch {
    return 0;
  }
}

test(`predict over ${IMAGES.toLocaleString('en')} listed images: memory flat, every record appended`, async () => {
  const be = new NativeBackend();
  const model = join(dir, 'vit.safetensors');
  const vit = buildModel(be, vitConfig('vit-test'), 3);
  await saveModelFile(model, vit, { preprocessing: { image_size: 32, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], color_constancy: null } });
  vit.dispose();
  // 64 real PNGs of odd sizes, each reached through many distinct paths.
  const rng = new Rng(9);
  const sources: string[] = [];
  for (let i = 0; i < 64; i++) {
    const w = 30 + rng.int(20), h = 25 + rng.int(20);
    const file = join(dir, `src-${i}.png`);
    await sharp(Buffer.from(Array.from({ length: w * h * 3 }, () => rng.int(256))), { raw: { width: w, height: h, channels: 3 } }).png().toFile(file);
    sources.push(file);
  }
  const links = join(dir, 'links');
  mkdirSync(links);
  const paths: string[] = [];
  for (let i = 0; i < IMAGES; i++) {
    const p = join(links, `img-${String(i).padStart(6, '0')}.png`);
    symlinkSync(sources[i % sources.length], p);
    paths.push(p);
  }
  const list = join(dir, 'list.txt');
  writeFileSync(list, `${paths.join('\n')}\n`);
  const out = join(dir, 'out.jsonl');

  const child = spawn(process.execPath, [join(packageRoot, 'bin', 'cefm-native.js'), 'predict', '--list', list, '--model', model,
    '--backend', 'native', '--batch', '256', '--out', out, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const samples: { done: number; rss: number }[] = [];
  const timer = setInterval(() => {
    const rss = rssMb(child.pid!);
    if (rss !== null) samples.push({ done: linesIn(out), rss });
  }, 250);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(timer);
  assert.is(code, 0, stderr);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  assert.is(lines.length, IMAGES);
  const first = JSON.parse(lines[0]), last = JSON.parse(lines[lines.length - 1]);
  assert.is(first.file, paths[0]);
  assert.is(last.file, paths[IMAGES - 1]);
  assert.ok(last.probabilities.length === 2 && Math.abs(last.probabilities[0] + last.probabilities[1] - 1) < 1e-5);

  // Records arrive while the run goes on (appended, not written at the end).
  const midway = samples.filter((s) => s.done > 0 && s.done < IMAGES);
  assert.ok(midway.length >= 3, `records were not appended progressively (${samples.length} samples)`);
  // Flat: the peak over the last half of the run is within a small margin of the peak over the
  // first quarter (after the warm-up). A leak of 1 KB per image would add about 50 MB here.
  const peak = (lo: number, hi: number) => Math.max(...samples.filter((s) => s.done >= lo * IMAGES && s.done < hi * IMAGES).map((s) => s.rss));
  const early = peak(0.1, 0.25), late = peak(0.5, 1);
  assert.ok(Number.isFinite(early) && Number.isFinite(late), `too few memory samples: ${JSON.stringify(samples.slice(0, 5))}`);
  process.stderr.write(`  predict stream: ${IMAGES} images, RSS peak ${early.toFixed(1)} MB (10-25 %) vs ${late.toFixed(1)} MB (50-100 %)\n`);
  assert.ok(late - early < 24, `RSS grew from ${early.toFixed(1)} MB to ${late.toFixed(1)} MB`);
});

test.run();
