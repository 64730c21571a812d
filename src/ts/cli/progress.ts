// Progress for long work: a redrawn bar with rate and ETA on a TTY, plain periodic lines otherwise
// (logs, CI). Writes to stderr so stdout stays clean for --json output.

export interface ProgressOptions {
  label: string;
  total: number;
  stream?: NodeJS.WriteStream;
  /** Plain-line mode: print at most every this many ms (default 5000). */
  plainIntervalMs?: number;
  /** Suppress all output (e.g. --quiet). */
  silent?: boolean;
}

function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  s = Math.max(0, Math.round(s));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const mm = String(m).padStart(2, '0'), ss = String(sec).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

const MIN_RATE_SECONDS = 0.5;

export class Progress {
  private done = 0;
  private failed = 0;
  private readonly start = Date.now();
  private lastDraw = 0;
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = !!this.stream.isTTY && process.env.CI !== 'true';
  }

  /** Marks `n` items finished (failed ones counted separately) and redraws when due. */
  tick(n = 1, failed = false, note?: string): void {
    this.done += n;
    if (failed) this.failed += n;
    this.draw(note, this.done === this.opts.total);
  }

  /** Prints a line above the bar (e.g. a skipped file) without breaking it. */
  log(line: string): void {
    if (this.opts.silent) return;
    if (this.tty) this.stream.write('\r\x1b[2K');
    this.stream.write(`${line}\n`);
    if (this.tty) this.draw(undefined, true);
  }

  /** Like log, but printed even when the bar is silent: a bad item is always reported. */
  warn(line: string): void {
    if (this.opts.silent) this.stream.write(`${line}\n`);
    else this.log(line);
  }

  finish(): { done: number; failed: number; seconds: number } {
    if (this.tty || this.done !== this.opts.total) this.draw(undefined, true); // plain mode printed 100% at the last tick
    if (this.tty && !this.opts.silent) this.stream.write('\n');
    return { done: this.done, failed: this.failed, seconds: (Date.now() - this.start) / 1000 };
  }

  private draw(note: string | undefined, force: boolean): void {
    if (this.opts.silent) return;
    const now = Date.now();
    const interval = this.tty ? 100 : this.opts.plainIntervalMs ?? 5000;
    if (!force && now - this.lastDraw < interval) return;
    this.lastDraw = now;
    const { total, label } = this.opts;
    const elapsed = (now - this.start) / 1000;
    // A rate from the first fraction of a second (one early batch) is noise: show none yet.
    const rate = elapsed >= MIN_RATE_SECONDS || this.done === total ? this.done / Math.max(elapsed, 1e-3) : NaN;
    const eta = rate > 0 ? (total - this.done) / rate : Infinity;
    const frac = total > 0 ? this.done / total : 1;
    const fail = this.failed ? `, ${this.failed} failed` : '';
    const stats = `${this.done}/${total}${fail} ${Number.isNaN(rate) ? '–' : rate.toFixed(rate < 10 ? 1 : 0)}/s elapsed ${formatDuration(elapsed)} ETA ${formatDuration(eta)}`;
    if (this.tty) {
      const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - stats.length - label.length - 6));
      const filled = Math.round(frac * width);
      const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${stats}${note ? ` ${note}` : ''}`;
      this.stream.write(`\r\x1b[2K${line.slice(0, (this.stream.columns ?? 200) - 1)}`);
    } else {
      this.stream.write(`${label}: ${(frac * 100).toFixed(0)}% ${stats}${note ? ` ${note}` : ''}\n`);
    }
  }
}
