import type { Env, HostRef } from "../provider.js";
import { providerFor } from "../providers/registry.js";
import { LockHeldError, StaleLockError } from "./errors.js";
import { acquireHostLock, CorruptLockError, type HostLock } from "./host-lock.js";

/** A host to hold: its name, URI and kind. */
export type HeldHost = HostRef;

/** Something the user should hear about while frost takes hold of its hosts. */
export interface HoldNotice {
  host: string;
  /** The domain concerned, for recovery notices. */
  domain?: string;
  severity: "info" | "warning";
  message: string;
}

/** How to take hold of hosts. */
export interface HoldOptions {
  /** The run's environment: where the locks are (`stateDir`), and how its providers reach the hosts. */
  env: Env;
  /** The run's argv, shown to whoever finds a host locked. */
  command: string;
  timeoutMs: number;
  /** Per host, the domains recovery leaves alone (a saved plan that thaws them itself). */
  exclude?: (host: string) => ReadonlySet<string>;
  notify(notice: HoldNotice): void;
}

/** Hosts held: the locks, to release when the run is over (`releaseSync` for process-exit paths). */
export interface HeldHosts {
  release(): Promise<void>;
  releaseSync(): void;
}

/**
 * Takes hold of `hosts` for a run that changes them (guarantees 1 and 6):
 * 1. each host's identity is asked of its provider (a libvirt host's UUID), so that one host
 *    reached by two URIs is locked once: every host is locked by its URI and, where known, its
 *    identity — the URI locks first, then the identity locks, each set sorted, so that two runs
 *    never wait on each other crosswise;
 * 2. a lock whose holder is proven gone is taken over, and `notify` says whose it was;
 * 3. once a host is held, its provider settles what runs that died left behind (on libvirt: guests
 *    left frozen by runs proven gone are thawed, and overlays a cut left pending are removed once
 *    libvirt is done with them), before anything is planned.
 * When a lock cannot be had (held by a live run, or one frost cannot prove gone, or unreadable), the
 * locks taken are released, the guests that runs proven gone left frozen are thawed all the same
 * (no human step stands between a dead run and the thaw), and the lock's error is thrown.
 */
export async function holdHosts(hosts: readonly HeldHost[], options: HoldOptions): Promise<HeldHosts> {
  const identities = (
    await Promise.all(
      hosts.map(async (h) => {
        const identity = await providerFor(h.kind)
          .identity?.(h, options.env)
          .catch(() => undefined);
        return identity !== undefined ? [[`${h.kind}-host:${identity}`, h] as const] : [];
      }),
    )
  )
    .flat()
    .sort(([a], [b]) => a.localeCompare(b));
  const keys = new Map<string, HeldHost>();
  for (const host of [...hosts].sort((a, b) => a.uri.localeCompare(b.uri))) if (!keys.has(host.uri)) keys.set(host.uri, host);
  for (const [key, host] of identities) if (!keys.has(key)) keys.set(key, host);

  const held: HostLock[] = [];
  const releaseSync = (): void => {
    for (const lock of [...held].reverse()) lock.releaseSync();
  };
  try {
    for (const [key, host] of keys) {
      const lock = await acquireHostLock({
        uri: host.uri,
        key,
        stateDir: options.env.stateDir,
        command: options.command,
        timeoutMs: options.timeoutMs,
        ...(options.env.timers ? { timers: options.env.timers } : {}),
      });
      held.push(lock);
      if (lock.tookOver) {
        const { holder, why } = lock.tookOver;
        options.notify({
          host: host.name,
          severity: "info",
          message: `took over the lock of ${host.uri} left by frost pid ${holder.pid} on ${holder.hostname} (${holder.command}, since ${holder.startedAt}, lock ID ${holder.id}): that run is gone (${why})`,
        });
      }
    }
  } catch (e) {
    for (const lock of held.reverse()) await lock.release();
    if (e instanceof LockHeldError || e instanceof StaleLockError || e instanceof CorruptLockError) {
      await settle(hosts, options, true);
    }
    throw e;
  }
  try {
    await settle(hosts, options, false);
  } catch (e) {
    releaseSync();
    throw e;
  }
  return {
    async release() {
      for (const lock of [...held].reverse()) await lock.release();
    },
    releaseSync,
  };
}

/** Has each host's provider settle what runs that died left behind; a host that cannot be reached is left for the run to report. */
async function settle(hosts: readonly HeldHost[], options: HoldOptions, lockless: boolean): Promise<void> {
  await Promise.all(
    hosts.map(async (host) => {
      const provider = providerFor(host.kind);
      if (!provider.settle) return;
      try {
        const notices = await provider.settle(host, options.env, {
          lockless,
          ...(options.exclude ? { exclude: options.exclude(host.name) } : {}),
        });
        for (const n of notices) options.notify({ host: host.name, ...n });
      } catch (e) {
        options.notify({
          host: host.name,
          severity: "warning",
          message: `could not check for guests left frozen: ${(e as Error).message}`,
        });
      }
    }),
  );
}
