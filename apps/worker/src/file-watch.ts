// Watches a file for a new version by polling its stat: a change of inode, size or modification
// time calls `onChange`. Polling, unlike fs.watch, survives the file being replaced by rename (how
// MaxMind updates and config management deliver files). The version the caller is about to read
// is taken synchronously when the watch starts: fs.watchFile takes its baseline asynchronously,
// and a change that lands before that baseline was never reported.
import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';

const signature = (s: { ino: number; size: number; mtimeMs: number }) =>
  `${s.ino}:${s.size}:${s.mtimeMs}`;

/** Start watching before reading the file, so no version between the two is missed. */
export function watchFileVersions(
  path: string,
  intervalMs: number,
  onChange: () => void,
): () => void {
  let seen = signature(statSync(path));
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const now = signature(await stat(path));
      if (now !== seen) {
        seen = now;
        onChange();
      }
    } catch {
      // Missing for a moment (being replaced): the next poll looks again.
    } finally {
      busy = false;
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
