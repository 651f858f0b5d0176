import type { Hypervisor } from "../providers/libvirt/hypervisor.js";
import type { FreezeJournal } from "../snapshots/freeze-journal.js";
import { recoverFreezes, settlePendingOverlays } from "../providers/libvirt/snapshots/recovery.js";
import { LockHeldError, StaleLockError } from "./errors.js";
import { acquireHostLock, CorruptLockError, type HostLock } from "./host-lock.js";

/** A host to hold: its name, URI and kind (an OpenStack host has no libvirt identity and no journal). */
export interface HeldHost {
  name: string;
  uri: string;
  kind?: "libvirt" | "openstack";
}

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
  stateDir: string;
  journal: FreezeJournal;
  /** The run's argv, shown to whoever finds a host locked. */
  command: string;
  timeoutMs: number;
  /** Deadline of one thaw attempt during recovery. */
  thawMs?: number;
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
 * 1. each libvirt host's identity (its UUID, see Hypervisor.hostUuid) is read, so that one host
 *    reached by two URIs is locked once: every host is locked by its URI and, where known, its
 *    identity — the URI locks first, then the identity locks, each set sorted, so that two runs
 *    never wait on each other crosswise;
 * 2. a lock whose holder is proven gone is taken over, and `notify` says whose it was;
 * 3. once a host is held, its journals are settled: guests left frozen by runs proven gone are
 *    thawed (`recoverFreezes`), and overlays a cut left pending are removed once libvirt is done
 *    with them (`settlePendingOverlays`), before anything is planned.
 * When a lock cannot be had (held by a live run, or one frost cannot prove gone, or unreadable), the
 * locks taken are released, the guests that runs proven gone left frozen are thawed all the same
 * (no human step stands between a dead run and the thaw), and the lock's error is thrown.
 */
export async function holdHosts(
  hosts: readonly HeldHost[],
  hypervisorFor: (host: string) => Hypervisor,
  options: HoldOptions,
): Promise<HeldHosts> {
  const libvirt = hosts.filter((h) => h.kind !== "openstack");
  const uuids = new Map(
    await Promise.all(
      libvirt.map(
        async (h) =>
          [
            h.name,
            await hypervisorFor(h.name)
              .hostUuid()
              .catch(() => undefined),
          ] as const,
      ),
    ),
  );
  const keys = new Map<string, HeldHost>();
  for (const host of [...hosts].sort((a, b) => a.uri.localeCompare(b.uri))) if (!keys.has(host.uri)) keys.set(host.uri, host);
  const identities = [...uuids]
    .flatMap(([name, uuid]) => (uuid ? [[`libvirt-host-uuid:${uuid}`, name] as const] : []))
    .sort(([a], [b]) => a.localeCompare(b));
  for (const [key, name] of identities) if (!keys.has(key)) keys.set(key, hosts.find((h) => h.name === name) as HeldHost);

  const held: HostLock[] = [];
  const releaseSync = (): void => {
    for (const lock of [...held].reverse()) lock.releaseSync();
  };
  try {
    for (const [key, host] of keys) {
      const lock = await acquireHostLock({
        uri: host.uri,
        key,
        stateDir: options.stateDir,
        command: options.command,
        timeoutMs: options.timeoutMs,
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
      await recover(libvirt, hypervisorFor, options, true);
    }
    throw e;
  }
  try {
    await recover(libvirt, hypervisorFor, options, false);
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

/** Settles the freeze journal of every host; a host that cannot be reached is left for the run to report. */
async function recover(
  hosts: readonly HeldHost[],
  hypervisorFor: (host: string) => Hypervisor,
  options: HoldOptions,
  lockless: boolean,
): Promise<void> {
  await Promise.all(
    hosts.map(async (host) => {
      try {
        const hv = hypervisorFor(host.name);
        const notices = await recoverFreezes(hv, options.journal, {
          thawMs: options.thawMs ?? 10_000,
          lockless,
          ...(options.exclude ? { exclude: options.exclude(host.name) } : {}),
        });
        // Overlays are settled only under the lock: settling may delete a snapshot.
        if (!lockless) notices.push(...(await settlePendingOverlays(hv, options.journal)));
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
