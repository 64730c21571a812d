// The fused attention kernels (src/wgsl/attention.wgsl, attention_backward.wgsl, sharing
// attention_common.wgsl): one dispatch forward; the backward recomputes the probabilities tile by
// tile in two: per query row its statistics then dq, then per key dk and dv.
import { CefmError } from '../../../errors.js';
import { attentionGeometry, type AttentionGeometry } from '../../../ops/attention.js';
import { wgslSource } from '../pipelines.js';
import { grid1d, packUniforms, type GpuKernel, type KernelContext } from '../kernel.js';

/** Rows (queries, or keys) per workgroup: four per invocation (attention_common.wgsl). */
const ROWS = 256;
/** Rows staged per tile (attention_common.wgsl TILE). */
const TILE = 16;
/** Invocations per workgroup (attention_common.wgsl GROUP). */
const GROUP = 64;
/** attention_backward.wgsl MODE values. */
const ROWS_MODE = 0;
const KEYS_MODE = 1;

/**
 * The private row length a pipeline is built for (D, Dv <= it). Compile time grows fast with it
 * (lavapipe: about 3 s for 32, 8 s for 64, 20 s for 128 per pipeline), so sizes share a few
 * classes: 32, 64, then multiples of 64.
 */
function colsClass(n: number): number {
  return n <= 32 ? 32 : Math.ceil(n / 64) * 64;
}

/**
 * Whether the tiles are read through subgroup shuffles (attention_tile_shuffle.wgsl): needs the
 * `subgroups` feature, subgroups of at least 8 lanes, and workgroups (64) made of whole subgroups.
 * CEFM_ATTENTION_SUBGROUPS=0 turns it off (the tests use it to check the other variant).
 */
function useShuffles(ctx: KernelContext): boolean {
  if (process.env.CEFM_ATTENTION_SUBGROUPS === '0' || !ctx.device.features.has('subgroups')) return false;
  const info = ctx.acquired.adapter.info as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number };
  return (info.subgroupMinSize ?? 0) >= 8 && GROUP % (info.subgroupMaxSize ?? Infinity) === 0;
}

/**
 * The text substitutions of the shaders; checks that a tile fits the adapter's workgroup memory.
 * f16: tiles stored as f16 (the forward under ctx.f16, for inference; the backward stays f32).
 */
function shaderDefines(ctx: KernelContext, g: AttentionGeometry, f16: boolean): Record<string, string> {
  const cols = colsClass(Math.max(g.D, g.Dv));
  const bytes = TILE * 2 * cols * (f16 ? 2 : 4);
  const limit = ctx.device.limits.maxComputeWorkgroupStorageSize;
  if (bytes > limit) {
    throw new CefmError(`attention: D = ${g.D}, Dv = ${g.Dv} are too large for this adapter's WebGPU kernels (${bytes} bytes of workgroup memory, limit ${limit})`);
  }
  const shuffles = useShuffles(ctx);
  const enable = [f16 ? 'enable f16;' : '', shuffles ? 'enable subgroups;\ndiagnostic(off, subgroup_uniformity); // every lane runs every shuffle' : ''];
  return {
    // First: the shared text holds the other placeholders.
    COMMON: wgslSource('attention_common'),
    TILE_ROW: wgslSource(shuffles ? 'attention_tile_shuffle' : 'attention_tile_plain'),
    ENABLE: enable.filter(Boolean).join('\n'),
    LANE_PARAM: shuffles ? ', @builtin(subgroup_invocation_id) lane: u32' : '',
    LANE: shuffles ? 'lane' : '0u',
    T: f16 ? 'f16' : 'f32',
    COLS: String(cols),
  };
}

/** The uniforms both shaders start with (sizes as run-time loop bounds; `tiles` is per shader). */
function uniforms(g: AttentionGeometry, tiles: number, scale: number): ArrayBuffer {
  return packUniforms([{ u: g.bh }, { u: g.L }, { u: g.S }, { u: tiles }, { f: scale }, { u: g.D }, { u: g.Dv }, { u: 0 }]);
}

export const attention: GpuKernel = (ctx, [q, k, v], [out], attrs) => {
  const g = attentionGeometry([q.shape, k.shape, v.shape]);
  const rowTiles = Math.ceil(g.L / ROWS);
  ctx.dispatch({
    pipeline: { shader: 'attention', defines: shaderDefines(ctx, g, ctx.f16) },
    buffers: [q.buffer, k.buffer, v.buffer, out.buffer],
    uniforms: uniforms(g, rowTiles, attrs.scale as number),
    workgroups: grid1d(g.bh * rowTiles),
  });
};

// inputs q, k, v, out, dOut -> dq, dk, dv
export const attention_backward: GpuKernel = (ctx, [q, k, v, out, dy], [dq, dk, dv], attrs) => {
  const g = attentionGeometry([q.shape, k.shape, v.shape]);
  const defines = shaderDefines(ctx, g, false);
  const stats = ctx.scratch(g.bh * g.L * 8);
  const pass = (mode: number, rows: number, grads: GPUBuffer[]): void => {
    const tiles = Math.ceil(rows / ROWS);
    ctx.dispatch({
      pipeline: { shader: 'attention_backward', constants: { MODE: mode }, defines },
      buffers: [q.buffer, k.buffer, v.buffer, out.buffer, dy.buffer, stats, ...grads],
      uniforms: uniforms(g, tiles, attrs.scale as number),
      workgroups: grid1d(g.bh * tiles),
    });
  };
  // ROWS writes the row statistics and dq; KEYS reads the statistics. ROWS binds a spare buffer
  // as its unused second gradient.
  pass(ROWS_MODE, g.L, [dq.buffer, ctx.scratch(16)]);
  pass(KEYS_MODE, g.S, [dk.buffer, dv.buffer]);
};
