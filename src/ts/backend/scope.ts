// Scope-based disposal of device tensors, for any backend: every tensor a backend creates
// (upload, empty, op outputs) inside `tidy(fn)` is disposed when fn ends, except the tensors fn
// returns (they move to the enclosing scope) and those passed to `keep`. Scopes follow async
// continuations (AsyncLocalStorage), so `await` inside fn is fine and concurrent tidies do not mix.
// Tensors made outside any scope are the caller's to dispose (or the finalizer's, once dropped).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DeviceTensor } from './backend.js';

class Scope {
  readonly tensors = new Set<DeviceTensor>();
  constructor(readonly parent: Scope | undefined) {}
}

const current = new AsyncLocalStorage<Scope>();
const owner = new WeakMap<DeviceTensor, Scope>();

/** Called by each backend when it creates a tensor: the innermost open scope (if any) owns it. */
export function track<T extends DeviceTensor>(t: T): T {
  const scope = current.getStore();
  if (scope) {
    scope.tensors.add(t);
    owner.set(t, scope);
  }
  return t;
}

/** Takes `t` out of every scope: it lives until disposed (or collected). Returns `t`. */
export function keep<T extends DeviceTensor>(t: T): T {
  owner.get(t)?.tensors.delete(t);
  owner.delete(t);
  return t;
}

function isDeviceTensor(v: unknown): v is DeviceTensor {
  return typeof v === 'object' && v !== null && 'backend' in v && 'shape' in v && typeof (v as DeviceTensor).dispose === 'function';
}

/** The tensors in a result: itself, or inside arrays and plain objects (any depth). */
function collect(v: unknown, out: Set<DeviceTensor>, seen = new Set<unknown>()): void {
  if (typeof v !== 'object' || v === null || seen.has(v)) return;
  seen.add(v);
  if (isDeviceTensor(v)) {
    out.add(v);
    return;
  }
  if (Array.isArray(v)) {
    for (const x of v) collect(x, out, seen);
  } else if (Object.getPrototypeOf(v) === Object.prototype) {
    for (const x of Object.values(v)) collect(x, out, seen);
  }
}

function close(scope: Scope, result: unknown): void {
  const returned = new Set<DeviceTensor>();
  collect(result, returned);
  for (const t of scope.tensors) {
    if (!returned.has(t)) {
      owner.delete(t);
      t.dispose();
    } else if (scope.parent) {
      scope.parent.tensors.add(t);
      owner.set(t, scope.parent);
    } else {
      owner.delete(t);
    }
  }
  scope.tensors.clear();
}

/**
 * Runs fn in a new scope and disposes the tensors created in it that fn neither returned nor kept.
 * fn may be async: the scope closes when its promise settles (on failure too, then disposing all).
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Scope(current.getStore());
  let result: T;
  try {
    result = current.run(scope, fn);
  } catch (e) {
    close(scope, undefined);
    throw e;
  }
  if (result instanceof Promise) {
    return result.then(
      (v) => {
        close(scope, v);
        return v;
      },
      (e) => {
        close(scope, undefined);
        throw e;
      },
    ) as T;
  }
  close(scope, result);
  return result;
}

/** Number of tensors the innermost open scope would dispose now (tests, leak hunting). */
export function scopeSize(): number {
  return current.getStore()?.tensors.size ?? 0;
}
