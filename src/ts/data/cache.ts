import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import type { Mask, RgbImage } from './image.js';

/** What the cache holds for one sample: the deterministic (pre-augmentation) stage. */
export interface CachedSample {
  image: RgbImage;
  mask?: Mask;
}

const MAGIC = Buffer.from('CEFMPRE1');

/**
 * On-disk cache of preprocessed samples. The key hashes the image and mask file contents and the
 * preprocessing parameters, so editing a file or changing a parameter simply misses (stale entries
 * are never read). Entries are written atomically, so several workers and processes may share a folder;
 * an unreadable or truncated entry counts as a miss and is rewritten.
 */
export class PreprocessCache {
  hits = 0;
  misses = 0;

  constructor(readonly dir: string) {}

  /** sha256 over the parts, each length-prefixed so ('ab', 'c') and ('a', 'bc') differ. */
  static key(parts: (Uint8Array | string)[]): string {
    const hash = createHash('sha256');
    for (const part of parts) {
      const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(bytes.length));
      hash.update(len).update(bytes);
    }
    return hash.digest('hex');
  }

  private path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.bin`);
  }

  async get(key: string): Promise<CachedSample | undefined> {
    const entry = await readFile(this.path(key)).then(decodeEntry, () => undefined);
    if (entry) this.hits++;
    else this.misses++;
    return entry;
  }

  async put(key: string, entry: CachedSample): Promise<void> {
    const file = this.path(key);
    await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
    const tmp = `${file}.${process.pid}.${threadId}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, encodeEntry(entry));
      await rename(tmp, file);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }
}

function encodeEntry(entry: CachedSample): Buffer {
  const header = Buffer.from(
    JSON.stringify({ image: [entry.image.width, entry.image.height], mask: entry.mask ? [entry.mask.width, entry.mask.height] : null }),
  );
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  const parts: Uint8Array[] = [MAGIC, len, header, entry.image.data];
  if (entry.mask) parts.push(entry.mask.data);
  return Buffer.concat(parts);
}

function decodeEntry(buf: Buffer): CachedSample | undefined {
  if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const headerLen = buf.readUInt32LE(MAGIC.length);
  let at = MAGIC.length + 4 + headerLen;
  if (at > buf.length) return undefined;
  let header: { image: [number, number]; mask: [number, number] | null };
  try {
    header = JSON.parse(buf.subarray(MAGIC.length + 4, at).toString('utf8'));
  } catch {
    return undefined;
  }
  const [w, h] = header.image;
  const maskBytes = header.mask ? header.mask[0] * header.mask[1] : 0;
  if (at + w * h * 3 + maskBytes !== buf.length) return undefined;
  // Copy out so the entry does not pin Node's shared buffer pool.
  const image: RgbImage = { width: w, height: h, data: new Uint8Array(buf.subarray(at, at + w * h * 3)) };
  at += w * h * 3;
  if (!header.mask) return { image };
  return { image, mask: { width: header.mask[0], height: header.mask[1], data: new Uint8Array(buf.subarray(at, at + maskBytes)) } };
}
