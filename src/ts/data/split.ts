import { CefmError } from '../errors.js';
import { Rng } from './rng.js';
import type { Sample } from './spec.js';

export interface SplitOptions {
  /** Fractions of samples for validation and test; the rest is training. */
  val: number;
  test: number;
  seed: number;
  /** Keep each diagnosis' proportions in every part (default true). */
  stratify?: boolean;
}

export interface Split {
  train: Sample[];
  val: Sample[];
  test: Sample[];
}

const PARTS = ['train', 'val', 'test'] as const;

/**
 * A seeded train/val/test split that never separates a group (HAM10000 lesion_id; a sample's id when
 * it has none): whole groups are dealt, in shuffled order, to the part furthest below its share of
 * that diagnosis. Samples keep their input order within each part.
 */
export function splitSamples(samples: Sample[], opts: SplitOptions): Split {
  const { val, test, seed } = opts;
  if (!(val >= 0 && test >= 0 && val + test < 1)) throw new CefmError(`split: val ${val} and test ${test} must be >= 0 and sum to less than 1`);
  const groups = new Map<string, number[]>();
  samples.forEach((s, i) => {
    const key = s.group ?? `${s.source}\u0000${s.id}`;
    const members = groups.get(key);
    if (members) members.push(i);
    else groups.set(key, [i]);
  });
  const strata = new Map<string, number[][]>();
  for (const members of groups.values()) {
    const first = samples[members[0]].labels;
    const stratum = opts.stratify === false ? '' : (first.diagnosis ?? String(first.melanoma));
    const list = strata.get(stratum);
    if (list) list.push(members);
    else strata.set(stratum, [members]);
  }
  const rng = new Rng(seed);
  const partOf = new Uint8Array(samples.length);
  const shares = [1 - val - test, val, test];
  // Strata are dealt one after another against running targets, so both each diagnosis and the
  // whole split land within one group of their shares.
  const assigned = [0, 0, 0];
  let dealt = 0;
  for (const stratum of [...strata.keys()].sort()) {
    for (const members of rng.shuffle(strata.get(stratum)!)) {
      dealt += members.length;
      // The part with the largest shortfall against its target takes the whole group.
      let best = 0;
      let bestNeed = -Infinity;
      for (let p = 0; p < 3; p++) {
        const need = shares[p] * dealt - assigned[p];
        if (shares[p] > 0 && need > bestNeed) [best, bestNeed] = [p, need];
      }
      assigned[best] += members.length;
      for (const i of members) partOf[i] = best;
    }
  }
  const out: Split = { train: [], val: [], test: [] };
  samples.forEach((s, i) => out[PARTS[partOf[i]]].push(s));
  return out;
}
