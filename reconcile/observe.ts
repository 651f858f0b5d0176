import type { DesiredState, HostSpec } from "./config/types.js";
import { checkAppArmorRules } from "./host/apparmor-check.js";
import { observeAppArmor } from "./host/apparmor-observe.js";
import { isLocalUri, type AppArmorFacts } from "./plan/apparmor.js";
import type { Hypervisor } from "./hypervisor/types.js";
import type { HostObservation } from "./plan/plan.js";
import { writerAlive, type FreezeJournal } from "./snapshots/freeze-journal.js";

/** Options of observing the hosts a configuration declares. */
export interface ObserveHostsOptions {
  ping: boolean;
  pingTimeoutMs?: number;
  journal: FreezeJournal;
  /** Where the host's files are (AppArmor); `/` but in tests. */
  hostRoot?: string;
}

/**
 * Observes every declared host in parallel, reading in detail only the domains the configuration
 * names, together with frost's freeze journal for that host. A host that cannot be observed is
 * reported as unreachable and does not stop the others.
 */
export async function observeHosts(
  desired: DesiredState,
  hypervisorFor: (host: string) => Hypervisor,
  options: ObserveHostsOptions,
): Promise<Record<string, HostObservation>> {
  const entries = await Promise.all(
    Object.values(desired.hosts).map(async (host): Promise<[string, HostObservation]> => {
      const domains = Object.values(desired.instances)
        .filter((i) => i.host === host.name)
        .map((i) => i.name);
      try {
        const observed = await hypervisorFor(host.name).observe({
          domains,
          ping: options.ping,
          ...(options.pingTimeoutMs !== undefined ? { pingTimeoutMs: options.pingTimeoutMs } : {}),
        });
        const journal = (await options.journal.list(host.uri)).map((entry) => ({ entry, writerAlive: writerAlive(entry) }));
        const apparmor = await observeHostAppArmor(host, options.hostRoot);
        return [host.name, { status: "observed", host: observed, journal, ...(apparmor ? { apparmor } : {}) }];
      } catch (e) {
        return [host.name, { status: "unreachable", error: (e as Error).message }];
      }
    }),
  );
  return Object.fromEntries(entries);
}

/** Reads the AppArmor abstraction of a local host and has the parser check the declared rules. */
async function observeHostAppArmor(host: HostSpec, root = "/"): Promise<AppArmorFacts | undefined> {
  if (!isLocalUri(host.uri) || host.apparmor.manage === "false") return undefined;
  const observation = await observeAppArmor(host.apparmor, { root });
  if (host.apparmor.manage === "auto" && !observation.enabled) return { observation };
  return { observation, check: await checkAppArmorRules(host.apparmor.rules, { root }) };
}
