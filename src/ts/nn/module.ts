// Modules: parameters, buffers and children named as PyTorch's state_dict keys, train/eval mode.
import type { Backend } from '../backend/backend.js';
import { Parameter } from '../autograd/tensor.js';
import { CefmError } from '../errors.js';
import { Rng } from '../data/rng.js';
import { type HostTensor, numel, shapeString } from '../tensor.js';

/** What a module needs to create its tensors: the backend and a seeded generator for init. */
export interface ModuleContext {
  be: Backend;
  rng: Rng;
}

export function moduleContext(be: Backend, seed = 0): ModuleContext {
  return { be, rng: new Rng(seed) };
}

export abstract class Module {
  training = true;
  private readonly params = new Map<string, Parameter>();
  private readonly buffers = new Map<string, Parameter>();
  private readonly children = new Map<string, Module>();

  constructor(protected readonly ctx: ModuleContext) {}

  get be(): Backend {
    return this.ctx.be;
  }

  protected param(name: string, shape: number[], init: (n: number, rng: Rng) => Float32Array): Parameter {
    const p = new Parameter(this.ctx.be.upload({ shape, data: init(numel(shape), this.ctx.rng) }), name);
    this.params.set(name, p);
    return p;
  }

  /** Non-trainable state saved with the model (running statistics). */
  protected buffer(name: string, shape: number[], value: number): Parameter {
    const b = new Parameter(this.ctx.be.upload({ shape, data: new Float32Array(numel(shape)).fill(value) }), name, false);
    this.buffers.set(name, b);
    return b;
  }

  protected module<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  /** Every parameter with its full dotted name, in registration order (as named_parameters). */
  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const [n, p] of this.params) out.push([prefix + n, p]);
    for (const [n, c] of this.children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  namedBuffers(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const [n, b] of this.buffers) out.push([prefix + n, b]);
    for (const [n, c] of this.children) out.push(...c.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  /** This module and every descendant, depth first. */
  *modules(): Generator<Module> {
    yield this;
    for (const c of this.children.values()) yield* c.modules();
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Parameters and buffers by state_dict key. */
  stateEntries(): [string, Parameter][] {
    return [...this.namedParameters(), ...this.namedBuffers()];
  }

  train(on = true): this {
    this.training = on;
    for (const c of this.children.values()) c.train(on);
    return this;
  }
  eval(): this {
    return this.train(false);
  }

  /** Make the given parameters (all when no filter) trainable or frozen. */
  setTrainable(on: boolean): this {
    for (const p of this.parameters()) p.requiresGrad = on;
    return this;
  }

  numParameters(): number {
    return this.parameters().reduce((s, p) => s + numel(p.shape), 0);
  }

  async stateDict(): Promise<Map<string, HostTensor>> {
    const out = new Map<string, HostTensor>();
    for (const [n, p] of this.stateEntries()) out.set(n, await this.be.download(p.value));
    return out;
  }

  /**
   * Load tensors by state_dict key. `strict`: every key must be present and no extra key given.
   * Shapes must match exactly. Errors name the key.
   */
  loadStateDict(tensors: Map<string, HostTensor> | Record<string, HostTensor>, strict = true, source = 'state dict'): void {
    const map = tensors instanceof Map ? tensors : new Map(Object.entries(tensors));
    const entries = new Map(this.stateEntries());
    const problems: string[] = [];
    for (const [n, p] of entries) {
      const t = map.get(n);
      if (!t) {
        if (strict) problems.push(`missing ${n}`);
        continue;
      }
      if (shapeString(t.shape) !== shapeString(p.shape)) {
        problems.push(`${n} has shape ${shapeString(t.shape)}, expected ${shapeString(p.shape)}`);
        continue;
      }
      p.assign(this.be.upload({ shape: [...p.shape], data: t.data }));
    }
    if (strict) for (const n of map.keys()) if (!entries.has(n)) problems.push(`unexpected ${n}`);
    if (problems.length) {
      const shown = problems.slice(0, 4).join('; ');
      throw new CefmError(`${source}: ${shown}${problems.length > 4 ? `; and ${problems.length - 4} more` : ''}`);
    }
  }

  dispose(): void {
    for (const [, p] of this.stateEntries()) p.dispose();
  }
}
