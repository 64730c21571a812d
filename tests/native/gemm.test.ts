// sgemm on every SIMD path (CEFM_SIMD caps the level) and with 1 and 2 threads (CEFM_THREADS):
// each combination runs gemm_child.js in its own process, since both are read once at start-up.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadAddon } from '../../src/ts/addon.js';
import { skip } from '../util/skip.js';

const child = fileURLToPath(new URL('./gemm_child.js', import.meta.url));
// float32 sums of up to 800 terms of uniform(-1, 1) products: ~1e-6 relative; a lost or doubled
// term is ~1e-2.
const TOL = 1e-5;

const machine = loadAddon().info();
const available = (level: string) => level === 'scalar' || (level === 'avx2' ? machine.avx2 && machine.fma : machine.avx512f);

for (const simd of ['avx512', 'avx2', 'scalar']) {
  for (const threads of [1, 2]) {
    test(`sgemm on ${simd} with ${threads} thread(s) matches float64 on every case`, () => {
      if (!available(simd)) return skip(`this CPU has no ${simd}: its sgemm path is not tested`);
      const r = spawnSync(process.execPath, [child], {
        env: { ...process.env, CEFM_SIMD: simd, CEFM_THREADS: String(threads) },
        encoding: 'utf8',
      });
      assert.is(r.status, 0, `child failed: ${r.stderr}`);
      const [head, ...cases] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(head, { simd, threads }, 'the child runs the requested path');
      assert.ok(cases.length >= 100, `only ${cases.length} cases ran`);
      const bad = cases.filter((c) => !(Number(c.err) <= TOL)).map((c) => `${c.name}: rel error ${c.err}`);
      assert.equal(bad, [], 'cases over tolerance');
    });
  }
}

test('sgemm rejects operands too small for their shape', async () => {
  const addon = loadAddon();
  const a = addon.fromArray(new Float32Array(6)), b = addon.fromArray(new Float32Array(6));
  const c = addon.fromArray(new Float32Array(4)), out = addon.alloc(4, true);
  // a is 2 x 3 but lda 4 needs 7 values
  addon.enqueue('sgemm', [a, b, c], [[6], [6], [4]], [out], [[4]], { M: 2, N: 2, K: 3, lda: 4 });
  let message = '';
  await addon.sync().catch((e: Error) => { message = e.message; });
  assert.match(message, /sgemm: a is too small/);
  [a, b, c, out].forEach((x) => x.free());
});

test.run();
