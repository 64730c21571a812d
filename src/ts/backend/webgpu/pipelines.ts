// WGSL sources from src/wgsl (found from the package root, whatever the cwd) compiled once per
// device and variant; compile errors name the WGSL file and line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CefmError } from '../../errors.js';
import { wgslDir } from '../../paths.js';

const sourceCache = new Map<string, string>();

/** Registers WGSL source under a name (custom kernels, tests), as if it were src/wgsl/<name>.wgsl. */
export function defineWgsl(name: string, code: string): void {
  sourceCache.set(name, code);
}

/** The text of src/wgsl/<name>.wgsl. */
export function wgslSource(name: string): string {
  let src = sourceCache.get(name);
  if (src === undefined) {
    const file = join(wgslDir, `${name}.wgsl`);
    try {
      src = readFileSync(file, 'utf8');
    } catch {
      throw new CefmError(`WGSL source missing: ${file}`);
    }
    sourceCache.set(name, src);
  }
  return src;
}

export interface PipelineVariant {
  /** WGSL file under src/wgsl, without extension. */
  shader: string;
  entryPoint?: string;
  /** Pipeline-overridable constants (`override` declarations): tile sizes, workgroup shape... */
  constants?: Record<string, number>;
  /** Text substitutions `${NAME}` in the source (e.g. the storage type of an f16 variant). */
  defines?: Record<string, string>;
}

function variantKey(v: PipelineVariant): string {
  return JSON.stringify([v.shader, v.entryPoint ?? 'main', v.constants ?? {}, v.defines ?? {}]);
}

export class PipelineCache {
  private pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private ready = new Map<string, GPUComputePipeline>();
  constructor(private readonly device: GPUDevice) {}

  /** A compiled pipeline when it is already built (synchronous dispatch path), else undefined. */
  peek(v: PipelineVariant): GPUComputePipeline | undefined {
    return this.ready.get(variantKey(v));
  }

  /** Compiles (once) and returns the pipeline. Throws a CefmError naming the file and line on WGSL errors. */
  get(v: PipelineVariant): GPUComputePipeline {
    const key = variantKey(v);
    const hit = this.ready.get(key);
    if (hit) return hit;
    let code = wgslSource(v.shader);
    for (const [k, val] of Object.entries(v.defines ?? {})) code = code.split(`\${${k}}`).join(val);
    // Capture creation errors here (not as uncaptured errors) so they are reported once, with the line.
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ code, label: v.shader });
    const pipeline = this.device.createComputePipeline({
      layout: 'auto',
      label: `${v.shader}:${v.entryPoint ?? 'main'}`,
      compute: { module, entryPoint: v.entryPoint ?? 'main', constants: v.constants },
    });
    const scope = this.device.popErrorScope();
    this.ready.set(key, pipeline);
    this.pipelines.set(key, Promise.all([module.getCompilationInfo(), scope]).then(([info, err]) => {
      const errors = info.messages.filter((m) => m.type === 'error');
      if (errors.length) {
        const m = errors[0];
        throw new CefmError(`WGSL compile error in src/wgsl/${v.shader}.wgsl:${m.lineNum}:${m.linePos}: ${m.message}`);
      }
      if (err) throw new CefmError(`pipeline ${v.shader}:${v.entryPoint ?? 'main'} ${JSON.stringify(v.constants ?? {})}: ${err.message.split('\n')[0]}`);
      return pipeline;
    }));
    return pipeline;
  }

  /** Resolves when every pipeline built so far compiled; rejects (once) with the first WGSL error. */
  async check(): Promise<void> {
    for (const [key, pending] of this.pipelines) {
      try {
        await pending;
      } catch (e) {
        // Report a broken variant once; a later use recompiles and reports again.
        this.pipelines.delete(key);
        this.ready.delete(key);
        throw e;
      }
    }
  }
}
