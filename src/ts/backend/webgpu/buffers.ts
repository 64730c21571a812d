// A pool of storage buffers bucketed by size, so the many short-lived tensors of a training
// step reuse memory instead of creating and destroying GPU buffers.

const STORAGE_USAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** Round a byte size up to its bucket: multiples of 256 bytes, then powers of two above 1 MiB... in 1/8 steps. */
export function bucketSize(bytes: number): number {
  const b = Math.max(256, Math.ceil(bytes / 256) * 256);
  if (b <= 1 << 20) return b;
  const step = 2 ** (Math.floor(Math.log2(b)) - 3);
  return Math.ceil(b / step) * step;
}

export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  private liveBytes = 0;
  private liveBuffers = 0;
  private pooledBytes = 0;
  constructor(private readonly device: GPUDevice, private readonly maxPooledBytes = 512 << 20) {}

  acquire(bytes: number): GPUBuffer {
    const size = bucketSize(bytes);
    const list = this.free.get(size);
    const reused = list?.pop();
    if (reused) {
      this.pooledBytes -= size;
      this.liveBytes += size;
      this.liveBuffers++;
      return reused;
    }
    const buf = this.device.createBuffer({ size, usage: STORAGE_USAGE() });
    this.liveBytes += size;
    this.liveBuffers++;
    return buf;
  }

  /** Returns a buffer for reuse. Safe without waiting: later GPU work is ordered after earlier work. */
  release(buf: GPUBuffer): void {
    const size = buf.size;
    this.liveBytes -= size;
    this.liveBuffers--;
    if (this.pooledBytes + size > this.maxPooledBytes) {
      buf.destroy();
      return;
    }
    this.pooledBytes += size;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buf);
  }

  /** Bytes and buffers handed out and not yet released; bytes kept for reuse. */
  stats(): { liveBytes: number; liveBuffers: number; pooledBytes: number } {
    return { liveBytes: this.liveBytes, liveBuffers: this.liveBuffers, pooledBytes: this.pooledBytes };
  }

  destroy(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.pooledBytes = 0;
  }
}
