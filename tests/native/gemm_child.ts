// Child process of gemm.test.ts: runs every sgemm case at the SIMD level and thread count set by
// its environment (CEFM_SIMD, CEFM_THREADS) against a float64 product, and prints JSON lines:
// first { simd, threads }, then { name, err } per case (err: ‖out − ref‖ / ‖ref‖ over C, Infinity
// when an element is NaN or the padding of C beyond its N columns changed). Some cases take A
// prepacked (GemmPackedA), B from a GemmBPacker, or both.
import { loadAddon } from '../../src/ts/addon.js';
import { Rng, hashSeed } from '../util/rng.js';

interface Size { m: number; n: number; k: number; why: string }

// Sizes as M x K x N. Block sizes of the kernels (MR x NR, kc, nc, mc): avx512 8x32, 384, 256,
// 3072; avx2 6x16, 384, 256, 3072; scalar 4x8, 256, 128, 1024. At most 4 rows or 8 columns: no
// packing (gemm_small.cc).
const sizes: Size[] = [
  { m: 1, k: 1, n: 1, why: 'one element' },
  { m: 7, k: 13, n: 5, why: 'five columns: the small-product path' },
  { m: 7, k: 13, n: 9, why: 'smaller than a tile' },
  { m: 129, k: 65, n: 257, why: 'partial tiles on both edges' },
  { m: 13, k: 800, n: 37, why: 'three k blocks' },
  { m: 3100, k: 7, n: 9, why: 'two m blocks, narrow: rows split over threads' },
  { m: 20, k: 30, n: 600, why: 'several B chunks in one thread' },
  { m: 9, k: 30, n: 1100, why: 'several B chunks per column part with 2 threads' },
  { m: 200, k: 100, n: 300, why: 'threaded' },
  { m: 301, k: 384, n: 650, why: 'one K block, B just within the B-stationary limit (avx512)' },
  { m: 301, k: 384, n: 700, why: 'B just over the B-stationary limit (avx512): the A-block path' },
  { m: 1, k: 300, n: 70, why: 'one row: the small-product path, split by columns' },
  { m: 4, k: 65, n: 2000, why: 'four rows: the small-product path, threaded' },
  { m: 300, k: 129, n: 3, why: 'three columns: the small-product path by rows' },
  { m: 5, k: 0, n: 6, why: 'k = 0: C = beta C' },
];
const scalings: [number, number][] = [[1, 0], [0.5, 1], [-1.5, 0.25], [0, 0.5]];

const addon = loadAddon();
const info = addon.info();
console.log(JSON.stringify({ simd: info.simd, threads: info.threads }));

async function runSgemm(a: Float32Array, b: Float32Array, c: Float32Array, attrs: Record<string, number>): Promise<Float32Array> {
  const bufs = [a, b, c].map((x) => addon.fromArray(x));
  const out = addon.alloc(c.length, true);
  addon.enqueue('sgemm', bufs, [[a.length], [b.length], [c.length]], [out], [[c.length]], attrs);
  const data = await addon.read(out);
  [...bufs, out].forEach((x) => x.free());
  return data;
}

// Stores the logical rows x cols matrix `x` transposed or not, with `pad` spare entries per row.
function store(x: Float32Array, rows: number, cols: number, trans: boolean, pad: number): { data: Float32Array; ld: number } {
  const outer = trans ? cols : rows, inner = trans ? rows : cols, ld = inner + pad;
  const data = new Float32Array(Math.max(0, (outer - 1) * ld + inner)).fill(-7);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[trans ? j * ld + i : i * ld + j] = x[i * cols + j];
  return { data, ld };
}

function relErr(out: Float32Array, ref: Float64Array, c0: Float32Array, m: number, n: number, ldc: number): number {
  let num = 0, den = 0;
  for (let i = 0; i < out.length; i++) {
    const row = Math.floor(i / ldc), col = i % ldc;
    if (col >= n || row >= m) {
      if (!Object.is(out[i], c0[i])) return Infinity; // padding must stay as it was
      continue;
    }
    if (!Number.isFinite(out[i])) return Infinity;
    const r = ref[row * n + col];
    num += (out[i] - r) ** 2;
    den += r * r;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

for (const [si, s] of sizes.entries()) {
  const rng = new Rng(hashSeed(`sgemm ${s.m}x${s.k}x${s.n}`));
  const opA = rng.array(s.m * s.k), opB = rng.array(s.k * s.n), cLogical = rng.array(s.m * s.n);
  const pad = si % 2 === 0 ? 0 : 3; // odd cases use leading dimensions wider than the rows
  for (const [scaling, [alpha, beta]] of scalings.entries()) {
    const ref = new Float64Array(s.m * s.n);
    for (let i = 0; i < s.m; i++)
      for (let j = 0; j < s.n; j++) {
        let acc = 0;
        for (let p = 0; p < s.k; p++) acc += opA[i * s.k + p] * opB[p * s.n + j];
        ref[i * s.n + j] = alpha * acc + (beta === 0 ? 0 : beta * cLogical[i * s.n + j]);
      }
    const c = store(cLogical, s.m, s.n, false, pad);
    if (beta === 0) for (let i = 0; i < s.m; i++) c.data.fill(NaN, i * c.ld, i * c.ld + s.n); // beta 0 must overwrite NaN
    for (const transA of [false, true])
      for (const transB of [false, true]) {
        // Prepacked operands on some transpose pairs, in turn: A (GemmPackedA), B (GemmBPacker), both.
        const pair = +transA + 2 * +transB;
        const packedA = pair === scaling % 4, bPacker = pair === (scaling + 1) % 4 || (packedA && scaling >= 2);
        const a = store(opA, s.m, s.k, transA, pad), b = store(opB, s.k, s.n, transB, pad);
        const out = await runSgemm(a.data, b.data, c.data, {
          M: s.m, N: s.n, K: s.k, lda: a.ld, ldb: b.ld, ldc: c.ld, transA: +transA, transB: +transB, alpha, beta, packedA: +packedA, bPacker: +bPacker,
        });
        const name = `${s.m}x${s.k}x${s.n} (${s.why}) transA=${transA} transB=${transB} alpha=${alpha} beta=${beta}${pad ? ' padded' : ''}${packedA ? ' packed A' : ''}${bPacker ? ' B packer' : ''}`;
        const err = relErr(out, ref, c.data, s.m, s.n, c.ld);
        console.log(JSON.stringify({ name, err: Number.isFinite(err) ? err : 'Infinity' }));
      }
  }
}

// sgemmBatched: products of one shape stacked in a, b and c (A shared by all when broadcastA).
for (const { batch, m, k, n, broadcastA } of [
  { batch: 5, m: 13, k: 7, n: 9, broadcastA: false },
  { batch: 6, m: 33, k: 20, n: 65, broadcastA: true },
]) {
  const rng = new Rng(hashSeed(`sgemmBatched ${batch} ${m}x${k}x${n}`));
  const [alpha, beta] = [0.75, 0.5];
  const opAs = Array.from({ length: broadcastA ? 1 : batch }, () => rng.array(m * k));
  const opBs = Array.from({ length: batch }, () => rng.array(k * n)), cs = Array.from({ length: batch }, () => rng.array(m * n));
  for (const transA of [false, true])
    for (const transB of [false, true]) {
      const stack = (xs: Float32Array[], rows: number, cols: number, trans: boolean) => {
        const parts = xs.map((x) => store(x, rows, cols, trans, 0).data);
        const out = new Float32Array(parts.reduce((s, x) => s + x.length, 0));
        parts.reduce((off, x) => (out.set(x, off), off + x.length), 0);
        return out;
      };
      const out = await runSgemm(stack(opAs, m, k, transA), stack(opBs, k, n, transB), stack(cs, m, n, false), {
        M: m, N: n, K: k, transA: +transA, transB: +transB, alpha, beta, batch, broadcastA: +broadcastA,
      });
      let worst = 0;
      for (let z = 0; z < batch; z++) {
        const a = opAs[broadcastA ? 0 : z], b = opBs[z], ref = new Float64Array(m * n);
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            let acc = 0;
            for (let p = 0; p < k; p++) acc += a[i * k + p] * b[p * n + j];
            ref[i * n + j] = alpha * acc + beta * cs[z][i * n + j];
          }
        const part = out.subarray(z * m * n, (z + 1) * m * n);
        worst = Math.max(worst, relErr(part, ref, part, m, n, n));
      }
      const name = `batched ${batch} x ${m}x${k}x${n} transA=${transA} transB=${transB}${broadcastA ? ' A broadcast' : ''}`;
      console.log(JSON.stringify({ name, err: Number.isFinite(worst) ? worst : 'Infinity' }));
    }
}
