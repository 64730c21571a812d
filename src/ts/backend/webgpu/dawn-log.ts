// Dawn's native code prints some warnings straight to fd 2 when an adapter or device is created
// ("maxDynamic...PerPipelineLayout artificially reduced ..." on every Vulkan adapter): harmless,
// and no callback of the `webgpu` package sees them. Around those calls fd 2 is captured (the
// native addon's captureStderr) and what Dawn wrote goes back to stderr without the known-harmless
// lines. `showDawnLog(true)` (the CLI's --verbose, or CEFM_VERBOSE=1) leaves fd 2 alone.
import { addonStatus } from '../../addon.js';

const HARMLESS = [/^Warning: maxDynamic\w+PerPipelineLayout artificially reduced/];

let verbose = process.env.CEFM_VERBOSE === '1';

/** Show Dawn's own messages unfiltered (true) or hide the known-harmless ones (false, the default). */
export function showDawnLog(on: boolean): void {
  verbose = on;
}

/** Lines of Dawn's output worth showing: all but the known-harmless warnings. */
export function filterDawnLog(text: string): string {
  return text.split('\n').filter((l) => l.trim() && !HARMLESS.some((r) => r.test(l))).map((l) => `${l}\n`).join('');
}

/** Runs fn (adapter or device creation) with Dawn's harmless warnings kept off the terminal. */
export async function quietDawn<T>(fn: () => Promise<T>): Promise<T> {
  const st = verbose ? undefined : addonStatus();
  const addon = st?.ok ? st.addon : undefined;
  if (!addon?.captureStderr || !addon.releaseStderr || !addon.captureStderr()) return fn();
  try {
    return await fn();
  } finally {
    const rest = filterDawnLog(addon.releaseStderr());
    if (rest) process.stderr.write(rest);
  }
}
