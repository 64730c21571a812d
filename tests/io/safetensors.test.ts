// safetensors read/write: our files round-trip, files written by the Python side read right (every
// F16/BF16 bit pattern vs numpy/torch), and Python reads ours (layout, F16/BF16 rounding).
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CefmError } from '../../src/ts/errors.js';
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from '../../src/ts/io/half.js';
import { encodeSafetensors, readSafetensors, readSafetensorsF32, readSafetensorsHeader, toFloat32, typedData, type WritableTensor, writeSafetensors } from '../../src/ts/io/safetensors.js';
import { Rng } from '../util/rng.js';
import { ioReference } from './py.js';

const tmp = mkdtempSync(join(tmpdir(), 'io-st-'));
const rng = new Rng(7);

function sample(): Record<string, WritableTensor> {
  return {
    'w.weight': { shape: [3, 5], data: rng.array(15) },
    '10': { shape: [2], data: rng.array(2) }, // integer-like names keep their sorted place
    '2': { shape: [], data: new Float32Array([4.5]) },
    'ünï/cödé name': { shape: [1, 2], data: new Float32Array([1, -2]) },
    empty: { shape: [0, 4], data: new Float32Array(0) },
    steps: { shape: [3], data: new BigInt64Array([0n, -5n, 2n ** 62n]) },
    count: { shape: [2], data: new Float32Array([7, 9]), dtype: 'I64' },
    half: { shape: [4], data: new Float32Array([1, -0.5, 65504, 1e-7]), dtype: 'F16' },
    brain: { shape: [2], data: new Float32Array([3.140625, -1e30]), dtype: 'BF16' },
    f64: { shape: [2], data: new Float64Array([Math.PI, -1e300]) },
    mask: { shape: [3], data: new Uint8Array([1, 0, 1]), dtype: 'BOOL' },
    i8: { shape: [2], data: new Int8Array([-128, 127]) },
  };
}

test('round trip: every dtype, metadata, odd names; tensors in dtype-size then name order; padded header', () => {
  const file = join(tmp, 'round.safetensors');
  const tensors = sample();
  writeSafetensors(file, tensors, { note: 'hé "quoted"', 'cefm.format': '1' });
  const header = readSafetensorsHeader(file);
  assert.is(header.dataStart % 8, 0);
  assert.equal(header.metadata, { note: 'hé "quoted"', 'cefm.format': '1' });
  assert.equal(header.entries.map((e) => e.name), ['count', 'f64', 'steps', '10', '2', 'empty', 'w.weight', 'ünï/cödé name', 'brain', 'half', 'i8', 'mask']);
  const bytes = readFileSync(file);
  const json = bytes.subarray(8, header.dataStart).toString('utf8');
  assert.match(json, /^\{"__metadata__":\{.*\} *$/);
  const { tensors: back } = readSafetensors(file);
  for (const [name, t] of Object.entries(tensors)) {
    const r = back.get(name)!;
    assert.equal(r.shape, [...t.shape], name);
    assert.is(r.dtype, t.dtype ?? r.dtype, name);
  }
  assert.equal([...(typedData(back.get('steps')!) as BigInt64Array)], [0n, -5n, 2n ** 62n]);
  assert.equal([...(typedData(back.get('count')!) as BigInt64Array)], [7n, 9n]);
  assert.equal([...toFloat32(back.get('w.weight')!)], [...(tensors['w.weight'].data as Float32Array)]);
  assert.equal([...toFloat32(back.get('half')!)], [1, -0.5, 65504, f16BitsToF32(f32ToF16Bits(1e-7))]);
  assert.equal([...toFloat32(back.get('brain')!)], [3.140625, bf16BitsToF32(f32ToBf16Bits(-1e30))]);
  assert.equal([...(typedData(back.get('f64')!) as Float64Array)], [Math.PI, -1e300]);
  assert.equal([...(typedData(back.get('mask')!) as Uint8Array)], [1, 0, 1]);
  assert.equal([...(typedData(back.get('i8')!) as Int8Array)], [-128, 127]);
  assert.equal([...toFloat32(back.get('2')!)], [4.5]);
  // Deterministic: same input, same bytes; and a subset can be read by name.
  assert.equal(Buffer.compare(Buffer.from(encodeSafetensors(tensors, { note: 'hé "quoted"', 'cefm.format': '1' })), bytes), 0);
  assert.equal([...readSafetensors(file, { names: ['2'] }).tensors.keys()], ['2']);
  assert.throws(() => readSafetensors(file, { names: ['nope'] }), (e: Error) => e instanceof CefmError && /round\.safetensors: no tensor "nope"/.test(e.message));
});

test('files written by the Python side: every F16 and BF16 bit pattern as numpy/torch convert it, and every integer dtype', () => {
  const file = join(tmp, 'dtypes.safetensors');
  ioReference('dtypes', file);
  const { metadata, tensors } = readSafetensors(file);
  for (const [half, ref] of [['f16', 'f16.as_f32'], ['bf16', 'bf16.as_f32'], ['f64', 'f64.as_f32']]) {
    const ours = toFloat32(tensors.get(half)!), theirs = toFloat32(tensors.get(ref)!);
    assert.is(ours.length, theirs.length);
    let bad = 0;
    for (let i = 0; i < ours.length; i++) if (!(Object.is(ours[i], theirs[i]) || (Number.isNaN(ours[i]) && Number.isNaN(theirs[i])))) bad++;
    assert.is(bad, 0, `${half}: ${bad} of ${ours.length} values differ from the reference`);
  }
  assert.is(tensors.get('bf16')!.dtype, 'BF16');
  const ints = JSON.parse(metadata.ints) as Record<string, string[]>;
  for (const [name, values] of Object.entries(ints)) {
    const data = typedData(tensors.get(name)!);
    assert.equal([...data].map((v) => String(typeof v === 'bigint' ? v : Number(v))), values, name);
  }
  assert.equal(tensors.get('scalar')!.shape, []);
  assert.equal(tensors.get('empty')!.shape, [0, 3]);
  const f32 = readSafetensorsF32(file).tensors;
  assert.is(f32.get('i64')!.data[1], 1);
});

test('Python reads our files: layout, values, and our F16/BF16 rounding equals numpy/torch on random and edge values', () => {
  const file = join(tmp, 'ours.safetensors');
  const edge = [0, -0, 1, -1, 65504, 65519, 65520, 1e6, -1e6, 6.1e-5, 5.96e-8, 2.98e-8, 2.99e-8, 1e-10, Infinity, -Infinity, NaN, 3.4e38, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 2 ** -126, 2 ** -149];
  const src = new Float32Array(4096 + edge.length);
  for (let i = 0; i < 4096; i++) src[i] = rng.normal() * 10 ** rng.uniform(-9, 6);
  src.set(edge, 4096);
  const base = sample();
  const tensors = { ...base, 'h': { shape: [src.length], data: src, dtype: 'F16' as const }, 'h.src': { shape: [src.length], data: src }, 'b': { shape: [src.length], data: src, dtype: 'BF16' as const }, 'b.src': { shape: [src.length], data: src } };
  writeSafetensors(file, tensors, { who: 'cefm' });
  const out = JSON.parse(ioReference('inspect', file));
  assert.equal(out.problems, []);
  assert.equal(out.metadata, { who: 'cefm' });
  assert.equal(out.order, readSafetensorsHeader(file).entries.map((e) => e.name));
  const w = base['w.weight'].data as Float32Array;
  assert.ok(Math.abs(out.tensors['w.weight'].sum - w.reduce((a, b) => a + b, 0)) < 1e-5);
  assert.equal(out.tensors.steps.first, ['0', '-5', String(2n ** 62n)]);
  assert.equal(out.tensors.mask, { dtype: 'BOOL', shape: [3], sum: 2, first: ['True', 'False', 'True'] });
});

test('a missing file, a folder: one-line errors naming them', () => {
  const dir = join(tmp, 'folder.safetensors');
  mkdirSync(dir);
  for (const [file, why] of [[join(tmp, 'absent.safetensors'), /absent\.safetensors: no such file/], [dir, /folder\.safetensors: is a folder/]] as const) {
    try {
      readSafetensors(file);
      assert.unreachable('read');
    } catch (e) {
      assert.instance(e, CefmError);
      assert.match((e as Error).message, why);
    }
  }
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
