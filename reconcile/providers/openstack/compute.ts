import type { AgentProbe, ObserveOptions, ObservedHost } from "../libvirt/hypervisor.js";

/**
 * What frost uses of a compute host's libvirt, where it can reach it (the host's `compute:` map):
 * the domain Nova made for a server (its agent channel) and a guest-ping with a deadline. A
 * libvirt Hypervisor is one. frost never freezes a Nova server itself: Nova does, during createImage.
 * (And frost never probes a hung agent through Nova: a freeze sent to a hung agent wedges
 * nova-compute; frost's guest-ping is bounded by its own deadline and goes first.)
 */
export interface ComputeAccess {
  observe(options: ObserveOptions): Promise<ObservedHost>;
  pingAgent(domain: string, timeoutMs: number): Promise<AgentProbe>;
}
