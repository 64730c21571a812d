import { CefmError } from '../errors.js';
import type { Attrs, RefTensor } from '../ops/op.js';
import { parseKernelName, splitBackwardInputs } from '../ops/backward-call.js';
import { getOp } from '../ops/registry.js';
import { type HostTensor, numel } from '../tensor.js';
import { type Backend, BackendBase, type BackendOptions, type DeviceTensor } from './backend.js';
import { track } from './scope.js';

class RefDeviceTensor implements DeviceTensor {
  disposed = false;
  constructor(readonly backend: Backend, readonly shape: number[], public data: Float64Array) {
    track(this);
  }
  dispose(): void {
    this.disposed = true;
  }
}

/** The float64 backend: runs each op's reference definition. Slow, obviously right; the tests' yardstick. */
export class ReferenceBackend extends BackendBase {
  readonly kind = 'reference' as const;
  readonly description = 'float64 TypeScript reference';
  constructor(private readonly options: BackendOptions = {}) {
    super();
  }

  upload(t: HostTensor): DeviceTensor {
    return new RefDeviceTensor(this, [...t.shape], Float64Array.from(t.data));
  }
  empty(shape: number[]): DeviceTensor {
    return new RefDeviceTensor(this, [...shape], new Float64Array(numel(shape)).fill(this.options.poison ? NaN : 0));
  }
  /** Float64 view, for tests that compare against the reference at full precision. */
  read64(t: DeviceTensor): RefTensor {
    const r = this.own(t);
    return { shape: [...r.shape], data: r.data };
  }
  async download(t: DeviceTensor): Promise<HostTensor> {
    const r = this.own(t);
    return { shape: [...r.shape], data: Float32Array.from(r.data) };
  }
  run(kernel: string, inputs: DeviceTensor[], outputs: DeviceTensor[], attrs: Attrs): void {
    const { op, backward } = parseKernelName(kernel);
    const def = getOp(op);
    const ins = inputs.map((t) => this.read64(t));
    let results: (RefTensor | null)[];
    if (!backward) {
      results = def.reference.forward(ins, attrs);
    } else {
      if (!def.reference.backward) throw new CefmError(`${def.name}: no reference backward`);
      const b = splitBackwardInputs(def, ins);
      results = def.reference.backward(b.inputs, b.outputs, b.dOutputs, attrs).filter((g) => g !== null);
    }
    if (results.length !== outputs.length) throw new CefmError(`${kernel}: reference produced ${results.length} outputs, expected ${outputs.length}`);
    results.forEach((r, i) => {
      const o = this.own(outputs[i]);
      if (r!.data.length !== o.data.length) throw new CefmError(`${kernel}: reference output ${i} has ${r!.data.length} values, expected ${o.data.length}`);
      o.data.set(r!.data);
    });
  }
  async sync(): Promise<void> {}
  async dispose(): Promise<void> {}

  private own(t: DeviceTensor): RefDeviceTensor {
    if (!(t instanceof RefDeviceTensor) || t.backend !== this) throw new CefmError('tensor belongs to another backend');
    if (t.disposed) throw new CefmError('tensor used after dispose');
    return t;
  }
}
