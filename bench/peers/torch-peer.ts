// The PyTorch CPU peer (bench/peers/torch_cpu.py --serve) as seen from a Node benchmark: one JSON
// request line per case, one JSON result line back. Shared by bench/cpu-ratio.ts and
// bench/model-step.ts so both time torch the same way.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BenchCase } from '../../src/ts/bench/case.js';
import { CefmError } from '../../src/ts/errors.js';
import type { Attrs } from '../../src/ts/ops/op.js';
import { getOp } from '../../src/ts/ops/registry.js';
import { packageRoot } from '../../src/ts/paths.js';

/** What torch_cpu.py needs: the case with normalised attrs and its differentiable inputs. */
export interface PeerCase {
  label: string;
  op: string;
  backward: boolean;
  shapes: number[][];
  attrs: Attrs;
  differentiable: boolean[] | null;
}

export function peerCase(c: BenchCase): PeerCase {
  const def = getOp(c.op);
  const attrs = def.normalize(c.shapes, c.attrs ?? {});
  return {
    label: c.label, op: c.op, backward: !!c.backward, shapes: c.shapes, attrs,
    differentiable: c.backward && def.differentiable ? def.differentiable(c.shapes, attrs) : null,
  };
}

export class TorchPeer {
  private readonly waiting: ((line: string) => void)[] = [];
  private readonly child: ReturnType<typeof spawn>;
  private exitReason = 'torch_cpu.py exited';

  private constructor(python: string, threads: number) {
    const script = join(packageRoot, 'bench', 'peers', 'torch_cpu.py');
    this.child = spawn(python, [script, '--threads', String(threads), '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child.on('error', (e) => { this.exitReason = `cannot run ${python} ${script}: ${e.message}`; });
    this.child.stdin!.on('error', () => {}); // a write to a dead peer: reported by the close handler below
    const lines = createInterface({ input: this.child.stdout! });
    lines.on('line', (l) => this.waiting.shift()?.(l));
    // a dead peer answers every pending request with an error instead of hanging the run
    lines.on('close', () => this.waiting.splice(0).forEach((w) => w(JSON.stringify({ error: this.exitReason }))));
  }

  private next(): Promise<Record<string, unknown>> {
    return new Promise((r) => this.waiting.push((line) => r(JSON.parse(line))));
  }

  /** Starts the peer; resolves to it with its first line (torch version, threads, BLAS). */
  static async start(python: string, threads: number): Promise<{ peer: TorchPeer; torch: string; threads: number; blas: string }> {
    const peer = new TorchPeer(python, threads);
    const header = await peer.next();
    if (header.error) throw new CefmError(`torch peer: ${header.error}`);
    return { peer, torch: String(header.torch), threads: Number(header.threads), blas: String(header.blas) };
  }

  /** Median wall ms of `repeats` runs after `warmup`, or the peer's error text. */
  async time(c: PeerCase, repeats: number, warmup: number): Promise<number | string> {
    return (await this.timeDetailed(c, repeats, warmup)).ms;
  }

  /**
   * As `time`, plus `viewMs` for a backward whose torch gradients are views of dy: then `ms`
   * includes making them contiguous (what ours writes) and `viewMs` is the view-only time.
   */
  async timeDetailed(c: PeerCase, repeats: number, warmup: number): Promise<{ ms: number | string; viewMs?: number }> {
    const reply = this.next();
    this.child.stdin!.write(`${JSON.stringify({ case: c, repeats, warmup })}\n`);
    const res = await reply;
    if (typeof res.medianMs !== 'number') return { ms: String(res.error) };
    return typeof res.viewMs === 'number' ? { ms: res.medianMs, viewMs: res.viewMs } : { ms: res.medianMs };
  }

  close(): void {
    this.child.stdin!.end();
  }
}
