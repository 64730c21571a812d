// For gather-style backward kernels (no float atomics in WGSL): for each input index along an
// axis, the range of output indices whose taps may include it. The kernels check membership.
import { packUniforms } from '../kernel.js';
import { wgslSource } from '../pipelines.js';

/** 2 u32 per input index: [first output, end output) among those whose `taps(o)` contain it (empty: [0, 0)). */
export function inverseRanges(inSize: number, outSize: number, taps: (o: number) => Iterable<number>): Uint32Array {
  const ranges = new Uint32Array(2 * inSize);
  const lo = new Array<number>(inSize).fill(Infinity), hi = new Array<number>(inSize).fill(-1);
  for (let o = 0; o < outSize; o++) {
    for (const i of taps(o)) {
      lo[i] = Math.min(lo[i], o);
      hi[i] = Math.max(hi[i], o);
    }
  }
  for (let i = 0; i < inSize; i++) {
    if (hi[i] >= 0) {
      ranges[2 * i] = lo[i];
      ranges[2 * i + 1] = hi[i] + 1;
    }
  }
  return ranges;
}

/** Concatenates u32 tables into one side buffer's contents. */
export function joinTables(parts: Uint32Array[]): Uint32Array {
  const out = new Uint32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The text the per-axis table kernels (pool.wgsl, upsample.wgsl) splice in: plane_grid.wgsl. */
export function planeGridDefines(): Record<string, string> {
  return { PLANE_GRID: wgslSource('plane_grid') };
}

/** plane_grid.wgsl's Params: `total` threads over x [planes, h, w] -> y [planes, oh, ow]. */
export function planeGridUniforms(total: number, h: number, w: number, oh: number, ow: number): ArrayBuffer {
  return packUniforms([{ u: total }, { u: h }, { u: w }, { u: oh }, { u: ow }, { u: 0 }, { u: 0 }, { u: 0 }]);
}
