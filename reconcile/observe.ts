import type { DesiredState } from "./config/types.js";
import type { Hypervisor } from "./hypervisor/types.js";
import type { HostObservation } from "./plan/plan.js";

/** Options of observing the hosts a configuration declares. */
export interface ObserveHostsOptions {
  ping: boolean;
  pingTimeoutMs?: number;
}

/**
 * Observes every declared host in parallel, reading in detail only the domains the configuration
 * names. A host that cannot be observed is reported as unreachable and does not stop the others.
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
        return [host.name, { status: "observed", host: observed }];
      } catch (e) {
        return [host.name, { status: "unreachable", error: (e as Error).message }];
      }
    }),
  );
  return Object.fromEntries(entries);
}
