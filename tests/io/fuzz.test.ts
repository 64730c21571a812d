// Corrupted and truncated safetensors files: every one is refused with a CefmError naming the file
// (never a crash, a hang, a RangeError or a silently wrong tensor).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CefmError } from '../../src/ts/errors.js';
import { encodeSafetensors, readSafetensors, toFloat32 } from '../../src/ts/io/safetensors.js';
import { Rng } from '../util/rng.js';

const tmp = mkdtempSync(join(tmpdir(), 'io-fuzz-'));
const rng = new Rng(11);
const good = encodeSafetensors({
  'a.weight': { shape: [4, 3], data: rng.array(12) },
  'a.bias': { shape: [4], data: rng.array(4) },
  steps: { shape: [1], data: new BigInt64Array([3n]) },
  half: { shape: [5], data: rng.array(5), dtype: 'F16' },
}, { 'cefm.format': '1' });
const headerLen = Number(new DataView(good.buffer).getBigUint64(0, true));
const FILE = join(tmp, 'victim.safetensors');

/** 'ok' when the file reads (then every tensor is checked to be fully readable), else the error message. */
function attempt(bytes: Uint8Array): string {
  writeFileSync(FILE, bytes);
  try {
    const { tensors } = readSafetensors(FILE);
    for (const t of tensors.values()) toFloat32(t);
    return 'ok';
  } catch (e) {
    if (!(e instanceof CefmError)) throw new Error(`not a CefmError: ${(e as Error)?.stack ?? e}`);
    assert.ok(e.message.startsWith(`${FILE}: `), e.message);
    assert.not.match(e.message, /\n/);
    return e.message.slice(FILE.length + 2);
  }
}

function withHeader(json: string, data = good.subarray(8 + headerLen)): Uint8Array {
  const h = Buffer.from(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

test('the good file reads', () => assert.is(attempt(good), 'ok'));

test('truncated at every length: refused, each with a reason', () => {
  for (let n = 0; n < good.length; n++) assert.is.not(attempt(good.subarray(0, n)), 'ok', `truncated to ${n} bytes`);
  assert.match(attempt(good.subarray(0, 5)), /shorter than the 8-byte header length/);
  assert.match(attempt(good.subarray(0, 8 + headerLen - 3)), /header length \d+ runs past the end of the file/);
  assert.match(attempt(good.subarray(0, good.length - 1)), /run past the data area|truncated/);
});

test('random byte flips in the header and length: a CefmError or a file that still reads fully', () => {
  let refused = 0;
  for (let trial = 0; trial < 3000; trial++) {
    const bytes = good.slice();
    const flips = 1 + rng.int(0, 4);
    for (let k = 0; k < flips; k++) bytes[rng.int(0, 8 + headerLen)] ^= 1 << rng.int(0, 8);
    if (attempt(bytes) !== 'ok') refused++;
  }
  assert.ok(refused > 2500, `only ${refused} of 3000 corrupted headers refused`);
  // Random bytes where the header should be.
  for (let trial = 0; trial < 300; trial++) {
    const bytes = good.slice();
    for (let i = 8; i < 8 + headerLen; i++) if (rng.next() < 0.2) bytes[i] = rng.int(0, 256);
    attempt(bytes);
  }
});

test('header lengths: huge, past the end, too small, zero', () => {
  const set = (n: bigint) => {
    const b = good.slice();
    new DataView(b.buffer).setBigUint64(0, n, true);
    return attempt(b);
  };
  assert.match(set(2n ** 64n - 1n), /exceeds the 100000000-byte limit/);
  assert.match(set(100_000_001n), /exceeds the 100000000-byte limit/);
  assert.match(set(99_999_999n), /runs past the end of the file/);
  assert.match(set(0n), /too small/);
  assert.match(set(BigInt(headerLen - 1)), /not valid JSON|bytes after the last tensor|gap|need/);
  assert.match(set(BigInt(headerLen + 1)), /./);
});

test('hand-made bad headers: each problem named', () => {
  const data12 = new Uint8Array(48);
  const cases: [string, RegExp, Uint8Array?][] = [
    ['[1,2]', /does not start with '\{'/],
    ['{"a": ', /not valid JSON/],
    ['{"a": 1}', /"a": header entry is not an object/],
    ['{"a": {"dtype": "F8_E4M3", "shape": [1], "data_offsets": [0, 1]}}', /unknown dtype "F8_E4M3"/],
    ['{"a": {"shape": [1], "data_offsets": [0, 4]}}', /unknown dtype missing/],
    ['{"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}', /shape is not a list of non-negative integers/],
    ['{"a": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}', /shape is not a list/],
    ['{"a": {"dtype": "F32", "shape": "12", "data_offsets": [0, 48]}}', /shape is not a list/],
    ['{"a": {"dtype": "F32", "shape": [12], "data_offsets": [0]}}', /data_offsets is not \[begin, end\]/],
    ['{"a": {"dtype": "F32", "shape": [12], "data_offsets": [48, 0]}}', /end before they begin/],
    ['{"a": {"dtype": "F32", "shape": [13], "data_offsets": [0, 52]}}', /run past the data area/],
    ['{"a": {"dtype": "F32", "shape": [11], "data_offsets": [0, 48]}}', /needs 44 bytes, data_offsets hold 48/],
    ['{"a": {"dtype": "F32", "shape": [4294967296, 4294967296, 4294967296], "data_offsets": [0, 48]}}', /needs more than the whole data area/],
    ['{"a": {"dtype": "F32", "shape": [8], "data_offsets": [0, 32]}, "b": {"dtype": "F32", "shape": [8], "data_offsets": [16, 48]}}', /"b": data_offsets \[16, 48\] overlap "a"/],
    ['{"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}, "b": {"dtype": "F32", "shape": [4], "data_offsets": [32, 48]}}', /"b": gap of 16 bytes/],
    ['{"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}', /32 bytes after the last tensor/],
    ['{"a": {"dtype": "F32", "shape": [12], "data_offsets": [1e400, 48]}}', /data_offsets is not/],
    ['{"a": {"dtype": "F32", "shape": [12], "data_offsets": [0, 9007199254740993]}}', /data_offsets is not|run past/],
    ['{"__metadata__": {"x": 1}, "a": {"dtype": "F32", "shape": [12], "data_offsets": [0, 48]}}', /__metadata__ value of "x" is not a string/],
    ['{"__metadata__": [], "a": {"dtype": "F32", "shape": [12], "data_offsets": [0, 48]}}', /__metadata__ is not an object/],
  ];
  for (const [json, why] of cases) assert.match(attempt(withHeader(json, data12)), why, json);
  // Invalid UTF-8 in the header.
  const bad = withHeader('{"a\xff": {}}', data12);
  bad[8 + 3] = 0xff;
  assert.match(attempt(bad), /not valid UTF-8/);
  // A zero-size tensor beside a full one reads (shape with a 0 holds no bytes).
  assert.is(attempt(withHeader('{"e": {"dtype": "F32", "shape": [0, 9007199254740991], "data_offsets": [0, 0]}, "b": {"dtype": "F32", "shape": [12], "data_offsets": [0, 48]}}', data12)), 'ok');
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
