import { CefmError } from '../errors.js';
import type { Attrs, OpDef } from './op.js';
import { allOps } from './index.js';

const byName = new Map<string, OpDef<Attrs>>();
for (const def of allOps) byName.set(def.name, def as unknown as OpDef<Attrs>);

export function getOp(name: string): OpDef<Attrs> {
  const def = byName.get(name);
  if (!def) throw new CefmError(`unknown op '${name}' (known: ${[...byName.keys()].join(', ')})`);
  return def;
}

export function opNames(): string[] {
  return [...byName.keys()];
}
