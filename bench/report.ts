// The tail every bench script shares: publish the markdown report, and run main with
// user-facing errors (CefmError) printed as their one line.
import { relative } from 'node:path';
import { writeFileAtomic } from '../src/ts/atomic.js';
import { CefmError } from '../src/ts/errors.js';

/** Writes the report atomically, prints it, and says where it went. */
export function publishReport(out: string, text: string): void {
  writeFileAtomic(out, text);
  console.log(text);
  console.error(`wrote ${relative(process.cwd(), out)}`);
}

/** Runs a bench's main; a failure prints its message (the whole error unless it is a CefmError) and exits 1. */
export function runBench(main: () => Promise<void>): void {
  main().catch((e) => {
    console.error(e instanceof CefmError ? e.message : e);
    process.exit(1);
  });
}
