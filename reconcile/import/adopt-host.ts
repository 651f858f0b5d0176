import type { Env, HostRef } from "../provider.js";
import { providerFor } from "../providers/registry.js";
import type { AdoptionResult } from "./adoption.js";

/**
 * `frost import`: how to declare `host`'s existing guests (`names`, or all) so that a plan right
 * after shows no change, leaving out those `declared` already — as the host's provider reads them;
 * or the names the host lacks, or that its kind of host imports nothing.
 */
export async function adoptHost(
  host: HostRef,
  env: Env,
  names: readonly string[],
  declared: ReadonlySet<string>,
): Promise<{ result: AdoptionResult } | { missing: string[] } | { unsupported: true }> {
  const provider = providerFor(host.kind);
  if (!provider.adopt) return { unsupported: true };
  return provider.adopt(host, env, names, declared);
}
