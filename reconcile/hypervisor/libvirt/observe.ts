import { mapBounded } from "../../pool.js";
import type { AgentProbe, ObserveOptions, ObservedDomain, ObservedHost } from "../types.js";
import { parseDomainDevices } from "./domain-xml.js";
import { isActive, parseDomainStates } from "./domain-list.js";
import { observeSnapshots, readFreezeStatus } from "./snapshot-observe.js";
import type { Virsh } from "./virsh.js";

/** How many virsh processes one host observation runs at once. */
const PARALLEL_VIRSH = 4;

/** Default deadline of a guest-ping. A hung agent keeps libvirt busy ~5 s; frost does not wait for that. */
export const DEFAULT_PING_TIMEOUT_MS = 3_000;

/**
 * Observes one libvirt host: every domain's state (one `domstats` call), then the live and
 * persistent XML of the domains asked for, their snapshots, a guest-ping where the channel is
 * connected and the freeze state where the agent answered, with at most PARALLEL_VIRSH virsh
 * processes at once.
 */
export async function observeHost(
  virsh: Virsh,
  options: ObserveOptions,
  ping: (domain: string, timeoutMs: number) => Promise<AgentProbe>,
): Promise<ObservedHost> {
  const pingTimeoutMs = options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
  const states = parseDomainStates(await virsh.run(["domstats", "--state"]));
  const wanted = (options.domains ?? [...states.keys()]).filter((n) => states.has(n));
  const observed = await mapBounded(wanted, PARALLEL_VIRSH, async (name): Promise<ObservedDomain | undefined> => {
    const state = states.get(name) ?? "other";
    try {
      const persistent = parseDomainDevices(await virsh.run(["dumpxml", "--domain", name, "--inactive"], undefined, name));
      const snapshots = await observeSnapshots(virsh, name);
      if (!isActive(state)) {
        return { name, state, persistent, agent: { status: "not-checked" }, ...snapshots };
      }
      const live = parseDomainDevices(await virsh.run(["dumpxml", "--domain", name], undefined, name));
      let agent: AgentProbe;
      if (!live.agentChannel) agent = { status: "no-channel" };
      else if (live.agentChannel.state === "disconnected")
        agent = { status: "not-connected", message: "the agent channel is disconnected" };
      else agent = options.ping ? await ping(name, pingTimeoutMs) : { status: "not-checked" };
      // While frozen the agent still answers guest-ping (other commands fail): ask it which it is.
      const freeze = agent.status === "ok" ? await readFreezeStatus(virsh, name, pingTimeoutMs) : undefined;
      return { name, state, live, persistent, agent, ...snapshots, ...(freeze ? { freeze } : {}) };
    } catch (e) {
      // A domain undefined between the listing and its dumpxml observes as absent: not found is not an error.
      if (/failed to get domain|Domain not found/i.test((e as Error).message)) return undefined;
      throw e;
    }
  });
  const domains: Record<string, ObservedDomain> = {};
  for (const d of observed) if (d) domains[d.name] = d;
  return { uri: virsh.uri, names: [...states.keys()], domains };
}
