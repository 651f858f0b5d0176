import { acquireHostLock, type HostLock } from "../reconcile/lock/host-lock.js";
import type { CommandDeps } from "./deps.js";

/**
 * Runs `fn` holding the lock of every host given (in URI order, so that two
 * runs never wait on each other crosswise), and releases them whatever happens, also when the
 * process exits early. Commands that change hosts run inside it; read-only commands do not.
 */
export async function withHostLocks<T>(
  hosts: Record<string, { uri: string }>,
  deps: CommandDeps,
  command: string,
  timeoutMs: number,
  fn: () => Promise<T>,
): Promise<T> {
  const uris = [...new Set(Object.values(hosts).map((h) => h.uri))].sort();
  const held: HostLock[] = [];
  const onExit = (): void => {
    for (const lock of held) lock.releaseSync();
  };
  process.on("exit", onExit);
  try {
    for (const uri of uris) held.push(await acquireHostLock({ uri, stateDir: deps.stateDir, command, timeoutMs }));
    return await fn();
  } finally {
    for (const lock of held.reverse()) await lock.release();
    process.off("exit", onExit);
  }
}
