import type { ComputeAccess, ComputeGuest } from "../../compute.js";
import type { Env, HostRef } from "../../provider.js";
import { LibvirtHypervisor } from "./driver/driver.js";
import type { DomainDevices, Hypervisor, ObservedDomain } from "./hypervisor.js";

/** One Hypervisor per URI per run: its host identity and connections are read once. */
const clients = new WeakMap<Env, Map<string, Hypervisor>>();

function hypervisorAt(uri: string, env: Env): Hypervisor {
  let byUri = clients.get(env);
  if (!byUri) clients.set(env, (byUri = new Map()));
  let hv = byUri.get(uri);
  if (!hv) byUri.set(uri, (hv = new LibvirtHypervisor(uri, env.processes)));
  return hv;
}

/** The hypervisor of a libvirt host: the one the run's environment gives (a fake, in tests), else libvirt itself. */
export function hypervisorOf(host: HostRef, env: Env): Hypervisor {
  return (env.connect?.(host) as Hypervisor | undefined) ?? hypervisorAt(host.uri, env);
}

function hasChannel(devices: DomainDevices | undefined): boolean {
  return devices?.agentChannel !== undefined;
}

/** A domain as a cloud provider sees a guest on its compute host. */
export function computeGuest(domain: ObservedDomain): ComputeGuest {
  const live = domain.live?.agentChannel;
  return {
    state: domain.state,
    agentChannel: hasChannel(domain.persistent ?? domain.live),
    ...(domain.live ? { liveChannel: live ? (live.state ?? "connected") : "none" } : {}),
    ...(domain.persistent ? { persistentChannel: hasChannel(domain.persistent) } : {}),
    agent: domain.agent,
    ...(domain.freeze ? { freeze: domain.freeze } : {}),
  };
}

/** A compute host's libvirt, as a cloud provider may use it (see compute.ts). */
export function computeAccess(uri: string, env: Env): ComputeAccess {
  const hv = hypervisorAt(uri, env);
  return {
    async guests(domains, options) {
      const observed = await hv.observe({
        domains,
        ping: options.ping,
        ...(options.pingTimeoutMs !== undefined ? { pingTimeoutMs: options.pingTimeoutMs } : {}),
      });
      return Object.fromEntries(Object.entries(observed.domains).map(([name, d]) => [name, computeGuest(d)]));
    },
    pingAgent: (domain, timeoutMs) => hv.pingAgent(domain, timeoutMs),
  };
}
