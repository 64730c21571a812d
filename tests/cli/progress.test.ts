// Progress lines: no rate (nor ETA) from the first fraction of a second, then done / elapsed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Progress } from '../../src/ts/cli/progress.js';

function capture() {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => { lines.push(s); return true; } } as unknown as NodeJS.WriteStream;
  return { lines, stream };
}

test('the first tick shows no rate or ETA; a later one shows done / elapsed', async () => {
  const { lines, stream } = capture();
  const p = new Progress({ label: 'work', total: 10, stream, plainIntervalMs: 0 });
  p.tick(4);
  assert.match(lines[0], /^work: 40% 4\/10 –\/s elapsed 00:00 ETA --:--/);
  await new Promise((r) => setTimeout(r, 600));
  p.tick(1);
  const m = /5\/10 ([\d.]+)\/s elapsed 00:0\d ETA (\d\d:\d\d)/.exec(lines[1]);
  assert.ok(m, lines[1]);
  assert.ok(Number(m![1]) > 0 && Number(m![1]) <= 5 / 0.6, lines[1]);
  assert.is(m![2] === '--:--', false);
});

test.run();
