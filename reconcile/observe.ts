import type { DesiredState } from "./config/types.js";
import type { Env, HostObservation, ObserveOptions } from "./provider.js";
import { providerFor } from "./providers/registry.js";

/**
 * Observes every declared host in parallel, each through its provider. A host that cannot be
 * observed is reported as unreachable and does not stop the others.
 */
export async function observeHosts(desired: DesiredState, env: Env, options: ObserveOptions): Promise<Record<string, HostObservation>> {
  const entries = await Promise.all(
    Object.values(desired.hosts).map(async (host): Promise<[string, HostObservation]> => {
      try {
        return [host.name, { status: "observed", facts: await providerFor(host.kind).observe(host, desired, env, options) }];
      } catch (e) {
        return [host.name, { status: "unreachable", error: (e as Error).message }];
      }
    }),
  );
  return Object.fromEntries(entries);
}
