import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import { watchConfig, type WatchConfigOptions } from "../../../reconcile/watch/config-watcher.js";

/** Writes `files` (name -> text) into a fresh temporary directory, removed after the test. */
export async function tempDir(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "frost-watch-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** Polls `check` every 5 ms until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** One onChange call: its reason and when it came (performance.now()). */
export interface Change {
  reason: string;
  at: number;
}

/** Watches `path`, recording every onChange; the watch is closed after the test. */
export async function recordChanges(path: string, options: Partial<WatchConfigOptions> = {}) {
  const changes: Change[] = [];
  const errors: Error[] = [];
  const watcher = await watchConfig(path, {
    onChange: (reason) => changes.push({ reason, at: performance.now() }),
    onError: (err) => errors.push(err),
    ...options,
  });
  onTestFinished(() => watcher.close());
  return {
    watcher,
    changes,
    errors,
    /** Waits for the n-th change (1-based) and returns it. */
    async nth(n: number): Promise<Change> {
      await waitFor(`change #${n} (have ${JSON.stringify(changes)})`, () => changes.length >= n);
      return changes[n - 1]!;
    },
    /** Waits long enough for any straggling event to arrive (stability + atomic + debounce, with margin). */
    settle: () => sleep(300),
  };
}
