import type { HostKind } from "../reconcile/provider.js";
import { holdHosts, type HoldNotice } from "../reconcile/lock/hold-hosts.js";
import type { CommandDeps } from "./deps.js";
import { styler } from "./io.js";

/** How a command holds its hosts: its argv for the lock record, the lock wait, and where notices go. */
export interface LockedRun {
  command: string;
  timeoutMs: number;
  /** Per host, the domains whose thaw the run does itself (a saved plan); recovery leaves them. */
  exclude?: (host: string) => ReadonlySet<string>;
  /** Where notices go (a lock taken over, a guest thawed); default: a line on stderr. */
  notify?: (notice: HoldNotice) => void;
}

/**
 * Runs `fn` holding every host given (see holdHosts: each host's locks, taken over from runs proven
 * gone, and guests such runs left frozen thawed first), and releases them whatever happens, also
 * when the process exits early. Commands that change hosts run inside it; read-only commands do not.
 */
export async function withHostLocks<T>(
  hosts: Record<string, { uri: string; kind: HostKind }>,
  deps: CommandDeps,
  run: LockedRun,
  fn: () => Promise<T>,
): Promise<T> {
  const notify = run.notify ?? noticeLine(deps);
  let releaseSync = (): void => {};
  const onExit = (): void => releaseSync();
  process.on("exit", onExit);
  // Critical from the first lock to the last release: a signal or a closed output stops new work
  // and lets thaws finish, it never kills frost mid-freeze.
  return deps.interrupt.critical(async () => {
    try {
      const held = await holdHosts(
        Object.entries(hosts).map(([name, h]) => ({ name, uri: h.uri, kind: h.kind })),
        {
          env: deps,
          command: run.command,
          timeoutMs: run.timeoutMs,
          notify,
          ...(run.exclude ? { exclude: run.exclude } : {}),
        },
      );
      releaseSync = () => held.releaseSync();
      try {
        return await fn();
      } finally {
        await held.release();
      }
    } finally {
      process.off("exit", onExit);
    }
  });
}

/** A notice as one line on stderr: `Host default: thawed 2 filesystem(s) of web: left frozen by …`. */
export function noticeLine(deps: CommandDeps): (notice: HoldNotice) => void {
  const s = styler(deps.io.color);
  return (n) => {
    const text = `Host ${n.host}: ${n.domain ? `${n.domain}: ` : ""}${n.message}`;
    deps.io.err(`${n.severity === "warning" ? s.yellow(text) : text}\n`);
  };
}
