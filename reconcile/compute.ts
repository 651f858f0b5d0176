import type { AgentProbe } from "./guest-agent.js";

/**
 * A guest as frost sees it on the libvirt of a cloud's compute host (the domain Nova made for a
 * server): its power state; whether its definition has the agent channel (`agentChannel`: its
 * persistent one, else its live one, which is what the guest booted with), and the channel of the
 * running domain (`liveChannel`, with its state; absent when it does not run) and of the persistent
 * definition; what a guest-ping said, and its agent's freeze state where the agent answered.
 */
export interface ComputeGuest {
  state: "running" | "paused" | "shutoff" | "other";
  agentChannel: boolean;
  liveChannel?: "connected" | "disconnected" | "none";
  persistentChannel?: boolean;
  agent: AgentProbe;
  freeze?: "frozen" | "thawed";
}

/**
 * What a cloud provider may use of a compute host's libvirt, where it can reach it (an OpenStack
 * host's `compute:` map): the guests of given domain names, and a guest-ping with a deadline. The
 * libvirt provider gives it (providers/registry.ts wires the two); a cloud never freezes a guest
 * through it.
 */
export interface ComputeAccess {
  /** The named domains as seen; a name the host does not have is absent. Throws when the host cannot be reached. */
  guests(domains: readonly string[], options: { ping: boolean; pingTimeoutMs?: number }): Promise<Record<string, ComputeGuest>>;
  pingAgent(domain: string, timeoutMs: number): Promise<AgentProbe>;
}
