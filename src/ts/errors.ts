/**
 * An error meant for the user: printed as one line by the CLI (no stack trace unless
 * --verbose or CEFM_DEBUG=1). `file` names the input the problem is about, when there is one.
 */
export class CefmError extends Error {
  readonly file?: string;
  readonly exitCode: number;
  constructor(message: string, opts: { file?: string; exitCode?: number; cause?: unknown } = {}) {
    super(opts.file ? `${opts.file}: ${message}` : message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CefmError';
    this.file = opts.file;
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** Bad usage (flags, arguments): exit code 2. */
export class UsageError extends CefmError {
  constructor(message: string) {
    super(message, { exitCode: 2 });
    this.name = 'UsageError';
  }
}

export function debugEnabled(): boolean {
  return process.env.CEFM_DEBUG === '1';
}
