import { stat } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { watch, type FSWatcher } from "chokidar";

/** Options of `watchConfig`. */
export interface WatchConfigOptions {
  /**
   * Called once per burst of changes, after `debounceMs` of quiet, with what changed for display only
   * ("frost.yaml changed", "b.yaml added, a.yaml removed"). It carries no content: the caller reloads.
   */
  onChange(reason: string): void;
  /** Called when the file system watcher fails; events may have been missed, so the caller should reload. */
  onError?(err: Error): void;
  /** Quiet time that closes a burst of events into one `onChange`. Default 30 ms. */
  debounceMs?: number;
  /**
   * How long a file must keep its size before a change counts (so a half-written file is not read),
   * and how long a removed file may take to reappear before it counts as removed (editors that
   * delete or rename the original, then write it anew). Default 50 ms.
   */
  stabilityMs?: number;
}

/**
 * A running watch of a configuration: a file, or a directory of `*.yaml` / `*.yml` files (not
 * recursive, hidden files ignored, as `loadConfig` reads it). `close()` stops it; no `onChange` is
 * called after it resolves.
 */
export interface ConfigWatcher {
  readonly mode: "file" | "directory";
  close(): Promise<void>;
}

const YAML_FILE = /\.ya?ml$/;
const VERBS = { add: "added", change: "changed", unlink: "removed" } as const;

/**
 * Watches the configuration at `path` and calls `onChange` when it may have changed. A file is
 * watched through its directory, so a delete-then-recreate or an editor's rename over it is seen; a
 * path that does not exist yet is watched as a file. Resolves once the watch is in place.
 */
export async function watchConfig(path: string, options: WatchConfigOptions): Promise<ConfigWatcher> {
  const target = resolve(path);
  const mode = (await isDirectory(target)) ? "directory" : "file";
  const root = mode === "directory" ? target : dirname(target);
  const relevant =
    mode === "directory" ? (name: string) => YAML_FILE.test(name) && !name.startsWith(".") : (name: string) => name === basename(target);
  const stabilityMs = options.stabilityMs ?? 50;
  const burst = new Burst(options.debounceMs ?? 30, options.onChange);

  const watcher: FSWatcher = watch(root, {
    ignoreInitial: true,
    depth: 0,
    atomic: stabilityMs,
    awaitWriteFinish: { stabilityThreshold: stabilityMs, pollInterval: Math.max(5, Math.round(stabilityMs / 5)) },
    ignored: (p: string) => p !== root && (dirname(p) !== root || !relevant(basename(p))),
  });
  watcher.on("all", (event, p) => {
    if (p === root) {
      if (mode === "directory" && event === "unlinkDir") burst.add(`${basename(root)} removed`);
    } else if (event === "add" || event === "change" || event === "unlink") {
      burst.add(`${basename(p)} ${VERBS[event]}`);
    }
  });
  // Without a listener an "error" event would throw; a failed watch is the caller's to report.
  watcher.on("error", (err) => options.onError?.(err instanceof Error ? err : new Error(String(err))));
  await new Promise<void>((ready) => watcher.once("ready", ready));

  return {
    mode,
    close: async () => {
      burst.cancel();
      await watcher.close();
    },
  };
}

/**
 * Collects reasons until `quietMs` pass without a new one, then delivers them joined, each once, in
 * order of arrival. A stream of events that never pauses is still delivered every 20 × `quietMs`.
 */
class Burst {
  #reasons: string[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #first = 0;
  #cancelled = false;

  constructor(
    private readonly quietMs: number,
    private readonly deliver: (reason: string) => void,
  ) {}

  add(reason: string): void {
    if (this.#cancelled) return;
    if (this.#reasons.length === 0) this.#first = Date.now();
    if (!this.#reasons.includes(reason)) this.#reasons.push(reason);
    clearTimeout(this.#timer);
    const wait = Math.min(this.quietMs, Math.max(0, this.#first + 20 * this.quietMs - Date.now()));
    this.#timer = setTimeout(() => this.#flush(), wait);
  }

  cancel(): void {
    this.#cancelled = true;
    clearTimeout(this.#timer);
  }

  #flush(): void {
    const reason = this.#reasons.join(", ");
    this.#reasons = [];
    if (!this.#cancelled) this.deliver(reason);
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
