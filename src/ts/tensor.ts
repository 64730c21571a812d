/** A tensor in JS memory: row-major float32 data with its shape (NCHW for images). */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensor(shape: number[], data?: Float32Array | number[]): HostTensor {
  const n = numel(shape);
  const buf = data === undefined ? new Float32Array(n) : data instanceof Float32Array ? data : Float32Array.from(data);
  if (buf.length !== n) throw new Error(`tensor: shape [${shape}] needs ${n} values, got ${buf.length}`);
  return { shape: [...shape], data: buf };
}

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Row-major strides in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}
