// safetensors files (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length n, n bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {..}},
// then the tensor bytes, offsets relative to the end of the header. Reading trusts nothing: every
// field is checked before a byte of data is touched, and each problem is one CefmError naming the file.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { writeFileAtomic } from '../atomic.js';
import { CefmError } from '../errors.js';
import type { HostTensor } from '../tensor.js';
import { f16BitsToF32, f32ToF16Bits, bf16BitsToF32, f32ToBf16Bits } from './half.js';

/** Bytes per element of every dtype we read (the reference's names). */
export const DTYPE_BYTES = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 } as const;
export type Dtype = keyof typeof DTYPE_BYTES;

/** The reference implementation's bound (MAX_HEADER_SIZE): a larger header is refused unread. */
export const MAX_HEADER_BYTES = 100_000_000;

/** Element arrays by dtype; F16 and BF16 are their raw bits. */
export type TypedData = Float64Array | Float32Array | Uint16Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/** One tensor as stored: dtype, shape and its bytes (little-endian, own aligned buffer). */
export interface RawTensor {
  dtype: Dtype;
  shape: number[];
  bytes: Uint8Array;
}

/** A header entry, already validated; begin/end are offsets into the data area. */
export interface TensorEntry {
  name: string;
  dtype: Dtype;
  shape: number[];
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  file: string;
  /** Where the data area starts in the file (8 + header length). */
  dataStart: number;
  /** `__metadata__`, or {} when the file has none. */
  metadata: Record<string, string>;
  /** In file order (by offset). */
  entries: TensorEntry[];
}

export interface SafetensorsContents {
  metadata: Record<string, string>;
  tensors: Map<string, RawTensor>;
}

/** What the writer takes: the dtype defaults to the array's own (Float32Array → F32, ...). */
export interface WritableTensor {
  shape: readonly number[];
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;
  dtype?: Dtype;
}

const isDtype = (d: unknown): d is Dtype => typeof d === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BYTES, d);
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const quote = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);

// ---------------------------------------------------------------------------------------------
// Reading

function fsError(file: string, e: unknown): CefmError {
  const code = (e as NodeJS.ErrnoException)?.code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a safetensors file'
    : code === 'EACCES' ? 'permission denied' : `cannot read (${(e as Error)?.message ?? String(e)})`;
  return new CefmError(why, { file, cause: e });
}

function readExactly(fd: number, file: string, length: number, position: number): Uint8Array {
  const buf = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    let n: number;
    try {
      n = readSync(fd, buf, done, Math.min(length - done, 1 << 30), position + done);
    } catch (e) {
      throw fsError(file, e);
    }
    if (n === 0) throw new CefmError(`truncated: wanted ${length} bytes at offset ${position}, the file ended after ${done}`, { file });
    done += n;
  }
  return buf;
}

/** Validates the parsed header JSON against the data area size; returns the entries by offset. */
function parseEntries(file: string, header: Record<string, unknown>, dataBytes: number): { metadata: Record<string, string>; entries: TensorEntry[] } {
  const fail = (msg: string) => new CefmError(msg, { file });
  let metadata: Record<string, string> = {};
  const entries: TensorEntry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isPlainObject(value)) throw fail('__metadata__ is not an object of strings');
      for (const [k, v] of Object.entries(value)) if (typeof v !== 'string') throw fail(`__metadata__ value of ${quote(k)} is not a string`);
      metadata = value as Record<string, string>;
      continue;
    }
    if (!isPlainObject(value)) throw fail(`tensor ${quote(name)}: header entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = value;
    if (!isDtype(dtype)) throw fail(`tensor ${quote(name)}: unknown dtype ${typeof dtype === 'string' ? quote(dtype) : JSON.stringify(dtype) ?? 'missing'} (known: ${Object.keys(DTYPE_BYTES).join(', ')})`);
    if (!Array.isArray(shape) || !shape.every(isIndex)) throw fail(`tensor ${quote(name)}: shape is not a list of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) throw fail(`tensor ${quote(name)}: data_offsets is not [begin, end] of non-negative integers`);
    const [begin, end] = offsets as number[];
    if (begin > end) throw fail(`tensor ${quote(name)}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataBytes) throw fail(`tensor ${quote(name)}: data_offsets [${begin}, ${end}] run past the data area (${dataBytes} bytes; truncated file?)`);
    // numel · itemsize, without overflowing: every partial product stays ≤ the data area.
    let bytes = (shape as number[]).includes(0) ? 0 : DTYPE_BYTES[dtype];
    for (const d of shape as number[]) {
      bytes *= d;
      if (bytes > dataBytes) break;
    }
    if (bytes !== end - begin) throw fail(`tensor ${quote(name)}: ${dtype} [${shape.join(',')}] needs ${bytes > dataBytes ? 'more than the whole data area' : `${bytes} bytes`}, data_offsets hold ${end - begin}`);
    entries.push({ name, dtype, shape: [...(shape as number[])], begin, end });
  }
  // The reference's rule: the tensors tile the data area exactly, no overlap, no gap.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.begin < at) throw fail(`tensor ${quote(e.name)}: data_offsets [${e.begin}, ${e.end}] overlap ${quote(entries[i - 1].name)}`);
    if (e.begin > at) throw fail(`tensor ${quote(e.name)}: gap of ${e.begin - at} bytes before its data at offset ${e.begin}`);
    at = e.end;
  }
  if (at !== dataBytes) throw fail(`${dataBytes - at} bytes after the last tensor that no tensor claims`);
  return { metadata, entries };
}

function readHeaderFd(fd: number, file: string, size: number): SafetensorsHeader {
  if (size < 8) throw new CefmError(`not a safetensors file: ${size} bytes, shorter than the 8-byte header length`, { file });
  const lenBytes = readExactly(fd, file, 8, 0);
  const n64 = new DataView(lenBytes.buffer).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) throw new CefmError(`not a safetensors file: header length ${n64} exceeds the ${MAX_HEADER_BYTES}-byte limit`, { file });
  const n = Number(n64);
  if (n < 2) throw new CefmError(`not a safetensors file: header length ${n} is too small for a JSON object`, { file });
  if (8 + n > size) throw new CefmError(`truncated or not a safetensors file: header length ${n} runs past the end of the file (${size} bytes)`, { file });
  const raw = readExactly(fd, file, n, 8);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new CefmError('header is not valid UTF-8', { file });
  }
  if (text[0] !== '{') throw new CefmError('not a safetensors file: the header does not start with \'{\'', { file });
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new CefmError(`header is not valid JSON (${(e as Error).message.split('\n')[0]})`, { file });
  }
  if (!isPlainObject(header)) throw new CefmError('header is not a JSON object', { file });
  const dataStart = 8 + n;
  const { metadata, entries } = parseEntries(file, header, size - dataStart);
  return { file, dataStart, metadata, entries };
}

function withFile<T>(file: string, body: (fd: number, size: number) => T): T {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw fsError(file, e);
  }
  try {
    let st;
    try {
      st = fstatSync(fd);
    } catch (e) {
      throw fsError(file, e);
    }
    if (st.isDirectory()) throw new CefmError('is a folder, not a safetensors file', { file });
    return body(fd, st.size);
  } finally {
    closeSync(fd);
  }
}

/** Reads and validates the header only (cheap for any file size). */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  return withFile(file, (fd, size) => readHeaderFd(fd, file, size));
}

/**
 * Reads a safetensors file: the validated header, then each tensor's bytes (one read per tensor,
 * into its own buffer). `names` limits which tensors are read; a name not in the file is an error.
 */
export function readSafetensors(file: string, opts: { names?: readonly string[] } = {}): SafetensorsContents {
  return withFile(file, (fd, size) => {
    const header = readHeaderFd(fd, file, size);
    let entries = header.entries;
    if (opts.names) {
      const byName = new Map(entries.map((e) => [e.name, e]));
      const missing = opts.names.filter((n) => !byName.has(n));
      if (missing.length) throw new CefmError(`no tensor ${missing.map(quote).join(', ')} in the file`, { file });
      entries = opts.names.map((n) => byName.get(n)!);
    }
    const tensors = new Map<string, RawTensor>();
    for (const e of entries) tensors.set(e.name, { dtype: e.dtype, shape: e.shape, bytes: readExactly(fd, file, e.end - e.begin, header.dataStart + e.begin) });
    return { metadata: header.metadata, tensors };
  });
}

/** The tensor's elements as the typed array of its dtype (F16/BF16: raw bits in a Uint16Array). */
export function typedData(t: RawTensor): TypedData {
  const { buffer, byteOffset, byteLength } = t.bytes;
  const n = byteLength / DTYPE_BYTES[t.dtype];
  // Our reader gives every tensor its own buffer, so the offset is 0 and aligned; copy otherwise.
  const aligned = byteOffset % DTYPE_BYTES[t.dtype] === 0 ? buffer : t.bytes.slice().buffer;
  const off = aligned === buffer ? byteOffset : 0;
  switch (t.dtype) {
    case 'F64': return new Float64Array(aligned, off, n);
    case 'F32': return new Float32Array(aligned, off, n);
    case 'F16': case 'BF16': return new Uint16Array(aligned, off, n);
    case 'I64': return new BigInt64Array(aligned, off, n);
    case 'I32': return new Int32Array(aligned, off, n);
    case 'I16': return new Int16Array(aligned, off, n);
    case 'I8': return new Int8Array(aligned, off, n);
    case 'U8': case 'BOOL': return new Uint8Array(aligned, off, n);
  }
}

/** The tensor as float32 (F16/BF16 exactly, F64 rounded, integers converted; a copy unless F32). */
export function toFloat32(t: RawTensor): Float32Array {
  const data = typedData(t);
  if (data instanceof Float32Array) return data;
  const out = new Float32Array(data.length);
  if (t.dtype === 'F16') for (let i = 0; i < out.length; i++) out[i] = f16BitsToF32(data[i] as number);
  else if (t.dtype === 'BF16') for (let i = 0; i < out.length; i++) out[i] = bf16BitsToF32(data[i] as number);
  else if (data instanceof BigInt64Array) for (let i = 0; i < out.length; i++) out[i] = Number(data[i]);
  else out.set(data as ArrayLike<number>);
  return out;
}

/** Every tensor of a file as float32 HostTensors, with the file's metadata. */
export function readSafetensorsF32(file: string): { metadata: Record<string, string>; tensors: Map<string, HostTensor> } {
  const { metadata, tensors } = readSafetensors(file);
  const out = new Map<string, HostTensor>();
  for (const [name, t] of tensors) out.set(name, { shape: t.shape, data: toFloat32(t) });
  return { metadata, tensors: out };
}

// ---------------------------------------------------------------------------------------------
// Writing

function defaultDtype(data: WritableTensor['data']): Dtype {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof BigInt64Array) return 'I64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof Int16Array) return 'I16';
  if (data instanceof Int8Array) return 'I8';
  return 'U8';
}

/** The little-endian bytes of `t` in `dtype` (converting between float and integer kinds as asked). */
function encode(name: string, t: WritableTensor, dtype: Dtype): Uint8Array {
  const src = t.data;
  const n = src.length;
  const num = (i: number) => Number(src[i]);
  let out: TypedData;
  switch (dtype) {
    case 'F32': out = src instanceof Float32Array ? src : Float32Array.from({ length: n }, (_, i) => num(i)); break;
    case 'F64': out = src instanceof Float64Array ? src : Float64Array.from({ length: n }, (_, i) => num(i)); break;
    case 'F16': out = Uint16Array.from({ length: n }, (_, i) => f32ToF16Bits(num(i))); break;
    case 'BF16': out = Uint16Array.from({ length: n }, (_, i) => f32ToBf16Bits(num(i))); break;
    case 'I64': out = src instanceof BigInt64Array ? src : BigInt64Array.from({ length: n }, (_, i) => BigInt(Math.trunc(num(i)))); break;
    case 'I32': out = src instanceof Int32Array ? src : Int32Array.from({ length: n }, (_, i) => num(i)); break;
    case 'I16': out = src instanceof Int16Array ? src : Int16Array.from({ length: n }, (_, i) => num(i)); break;
    case 'I8': out = src instanceof Int8Array ? src : Int8Array.from({ length: n }, (_, i) => num(i)); break;
    case 'U8': case 'BOOL': out = src instanceof Uint8Array ? src : Uint8Array.from({ length: n }, (_, i) => num(i)); break;
  }
  if ((dtype === 'I64') !== (out instanceof BigInt64Array)) throw new Error(`safetensors: tensor ${name}: cannot store as ${dtype}`);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Serialises tensors (+ optional string metadata) as the reference writer does: tensors ordered by
 * dtype size (largest first, so every tensor is aligned to its element size) then name, header
 * padded with spaces to a multiple of 8 bytes.
 */
export function encodeSafetensors(tensors: Map<string, WritableTensor> | Record<string, WritableTensor>, metadata?: Record<string, string>): Uint8Array {
  const list = [...(tensors instanceof Map ? tensors.entries() : Object.entries(tensors))].map(([name, t]) => {
    const dtype = t.dtype ?? defaultDtype(t.data);
    if (!isDtype(dtype)) throw new Error(`safetensors: tensor ${name}: unknown dtype ${dtype}`);
    if (name === '__metadata__' || name === '') throw new Error(`safetensors: tensor name ${JSON.stringify(name)} is reserved`);
    if (!t.shape.every(isIndex)) throw new Error(`safetensors: tensor ${name}: bad shape [${t.shape}]`);
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new Error(`safetensors: tensor ${name}: shape [${t.shape}] needs ${n} values, got ${t.data.length}`);
    return { name, dtype, shape: [...t.shape], t };
  });
  list.sort((a, b) => DTYPE_BYTES[b.dtype] - DTYPE_BYTES[a.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const bodies = list.map((e) => encode(e.name, e.t, e.dtype));
  // Written by hand rather than JSON.stringify(object): that would move integer-like names first.
  const parts: string[] = [];
  if (metadata && Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw new Error(`safetensors: metadata ${k} is not a string`);
    parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  }
  let at = 0;
  list.forEach((e, i) => {
    parts.push(`${JSON.stringify(e.name)}:${JSON.stringify({ dtype: e.dtype, shape: e.shape, data_offsets: [at, at + bodies[i].byteLength] })}`);
    at += bodies[i].byteLength;
  });
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const headerLen = json.length + ((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + headerLen + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let pos = 8 + headerLen;
  for (const b of bodies) {
    out.set(b, pos);
    pos += b.byteLength;
  }
  return out;
}

/** Writes a safetensors file atomically (temp file + rename). */
export function writeSafetensors(file: string, tensors: Map<string, WritableTensor> | Record<string, WritableTensor>, metadata?: Record<string, string>): void {
  writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}
