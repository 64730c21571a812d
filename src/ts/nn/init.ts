// Parameter initialisers (seeded), as torch.nn.init defines them.
import type { Rng } from '../data/rng.js';

export type Init = (n: number, rng: Rng) => Float32Array;

export const constantInit = (v: number): Init => (n) => new Float32Array(n).fill(v);
export const zerosInit: Init = constantInit(0);
export const onesInit: Init = constantInit(1);

/** U(-bound, bound): PyTorch's default for Linear/Conv (kaiming_uniform with a = sqrt(5)) uses 1/sqrt(fan_in). */
export const uniformInit = (bound: number): Init => (n, rng) => {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(-bound, bound);
  return out;
};

/** Normal(0, std) truncated to ±2 std (timm's trunc_normal_ with a = -2std, b = 2std). */
export const truncNormalInit = (std: number): Init => (n, rng) => {
  const out = new Float32Array(n);
  for (let i = 0; i < n; ) {
    // Box-Muller, rejecting samples outside ±2.
    const u = Math.max(rng.next(), 1e-12), v = rng.next();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    if (Math.abs(z) <= 2) out[i++] = z * std;
  }
  return out;
};

/** Kaiming normal for ReLU nets (fan_in): std = sqrt(2 / fan_in). */
export const kaimingNormalInit = (fanIn: number): Init => truncNormalInit(Math.sqrt(2 / fanIn) / 0.8796);
