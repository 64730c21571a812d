// Optimisers (AdamW on the device op, SGD with momentum), gradient clipping by global norm and the
// warmup + cosine schedule. Weight decay skips norms, biases and embeddings (parameters of rank ≤ 1
// and names in `noDecay`), as is usual for ViTs.
import type { DeviceTensor } from '../backend/backend.js';
import type { Parameter } from '../autograd/tensor.js';
import { zeros } from '../autograd/graph.js';
import { CefmError } from '../errors.js';
import type { HostTensor } from '../tensor.js';

export function decays(name: string, p: Parameter): boolean {
  return p.shape.length > 1 && !/(^|\.)(cls_token|pos_embed)$/.test(name);
}

export interface OptimizerState {
  step: number;
  /** Per parameter name: its moment tensors. */
  slots: Map<string, HostTensor[]>;
}

export abstract class Optimizer {
  step = 0;
  lr: number;
  constructor(readonly params: [string, Parameter][], lr: number) {
    this.lr = lr;
  }
  abstract update(): void;
  protected abstract slotNames(): number;
  protected abstract slots(name: string): DeviceTensor[] | undefined;
  protected abstract setSlots(name: string, t: DeviceTensor[]): void;

  zeroGrad(): void {
    for (const [, p] of this.params) p.zeroGrad();
  }

  async state(): Promise<OptimizerState> {
    const slots = new Map<string, HostTensor[]>();
    for (const [n, p] of this.params) {
      const s = this.slots(n);
      if (s) slots.set(n, await Promise.all(s.map((t) => p.backend.download(t))));
    }
    return { step: this.step, slots };
  }

  loadState(s: OptimizerState): void {
    this.step = s.step;
    for (const [n, p] of this.params) {
      const saved = s.slots.get(n);
      if (!saved) continue;
      if (saved.length !== this.slotNames()) throw new CefmError(`optimizer state for ${n} has ${saved.length} tensors, expected ${this.slotNames()}`);
      this.slots(n)?.forEach((t) => t.dispose());
      this.setSlots(n, saved.map((h) => p.backend.upload(h)));
    }
  }

  dispose(): void {
    for (const [n] of this.params) this.slots(n)?.forEach((t) => t.dispose());
  }
}

export interface AdamWOptions {
  lr: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/** torch.optim.AdamW, one adamw_step kernel per parameter. */
export class AdamW extends Optimizer {
  private readonly moments = new Map<string, DeviceTensor[]>();
  constructor(params: [string, Parameter][], readonly o: AdamWOptions) {
    super(params, o.lr);
  }
  protected slotNames(): number {
    return 2;
  }
  protected slots(name: string): DeviceTensor[] | undefined {
    return this.moments.get(name);
  }
  protected setSlots(name: string, t: DeviceTensor[]): void {
    this.moments.set(name, t);
  }

  update(): void {
    this.step += 1;
    const [beta1, beta2] = this.o.betas ?? [0.9, 0.999];
    for (const [name, p] of this.params) {
      if (!p.grad || !p.requiresGrad) continue;
      let mv = this.moments.get(name);
      if (!mv) {
        mv = [zeros(p.backend, p.shape), zeros(p.backend, p.shape)];
        this.moments.set(name, mv);
      }
      p.backend.op('adamw_step', [p.value, p.grad, mv[0], mv[1]], {
        lr: this.lr, beta1, beta2, eps: this.o.eps ?? 1e-8,
        weight_decay: decays(name, p) ? (this.o.weightDecay ?? 0.01) : 0, step: this.step,
      });
    }
  }
}

/** torch.optim.SGD with momentum (dampening 0, no Nesterov) and L2 weight decay. */
export class Sgd extends Optimizer {
  private readonly velocity = new Map<string, DeviceTensor[]>();
  constructor(params: [string, Parameter][], readonly o: { lr: number; momentum?: number; weightDecay?: number }) {
    super(params, o.lr);
  }
  protected slotNames(): number {
    return 1;
  }
  protected slots(name: string): DeviceTensor[] | undefined {
    return this.velocity.get(name);
  }
  protected setSlots(name: string, t: DeviceTensor[]): void {
    this.velocity.set(name, t);
  }

  update(): void {
    this.step += 1;
    const mu = this.o.momentum ?? 0.9;
    for (const [name, p] of this.params) {
      if (!p.grad || !p.requiresGrad) continue;
      const be = p.backend;
      const wd = decays(name, p) ? (this.o.weightDecay ?? 0) : 0;
      // d = g + wd·p; v = mu·v + d (v = d on the first step); p -= lr·v
      let d = p.grad;
      if (wd) {
        const [wp] = be.op('scale', [p.value], { alpha: wd });
        [d] = be.op('add', [p.grad, wp]);
        wp.dispose();
      }
      const old = this.velocity.get(name)?.[0];
      let v: DeviceTensor;
      if (old) {
        const [mv] = be.op('scale', [old], { alpha: mu });
        [v] = be.op('add', [mv, d]);
        mv.dispose();
        old.dispose();
      } else {
        [v] = be.op('scale', [d], { alpha: 1 });
      }
      if (d !== p.grad) d.dispose();
      this.velocity.set(name, [v]);
      const [step] = be.op('scale', [v], { alpha: -this.lr });
      const [next] = be.op('add', [p.value, step]);
      step.dispose();
      p.assign(next);
    }
  }
}

/**
 * Scales every gradient so that their global L2 norm is at most `maxNorm` (clip_grad_norm_);
 * returns the norm before clipping (NaN/Inf propagate so the caller can stop).
 */
export async function clipGradNorm(params: Parameter[], maxNorm: number): Promise<number> {
  const withGrad = params.filter((p) => p.grad);
  if (!withGrad.length) return 0;
  const squares = withGrad.map((p) => {
    const be = p.backend;
    const [sq] = be.op('mul', [p.grad!, p.grad!]);
    const [s] = be.op('sum', [sq], { dims: [], keepdim: 0 });
    sq.dispose();
    return s;
  });
  const values = await Promise.all(squares.map((s) => s.backend.download(s)));
  squares.forEach((s) => s.dispose());
  const norm = Math.sqrt(values.reduce((acc, v) => acc + v.data[0], 0));
  const coef = maxNorm / (norm + 1e-6);
  if (Number.isFinite(norm) && coef < 1) {
    for (const p of withGrad) {
      const [g] = p.backend.op('scale', [p.grad!], { alpha: coef });
      p.grad!.dispose();
      p.grad = g;
    }
  }
  return norm;
}

/** Linear warmup from 0 to `peak` over `warmup` steps, then cosine decay to `floor` at `total`. */
export function warmupCosine(step: number, o: { peak: number; warmup: number; total: number; floor?: number }): number {
  const floor = o.floor ?? 0;
  if (step < o.warmup) return (o.peak * (step + 1)) / o.warmup;
  const t = Math.min(1, (step - o.warmup) / Math.max(1, o.total - o.warmup));
  return floor + 0.5 * (o.peak - floor) * (1 + Math.cos(Math.PI * t));
}
