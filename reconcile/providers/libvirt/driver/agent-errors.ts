import type { AgentProbe } from "../hypervisor.js";

/**
 * Folds libvirt's agent failures into an AgentProbe status. The strings are libvirt 9's:
 * `QEMU guest agent is not configured` (no channel), `QEMU guest agent is not connected`
 * (nobody on the guest side), `Guest agent not available for now` (a hung agent: libvirt's own
 * guest-sync gave up).
 */
export function classifyAgentError(message: string): AgentProbe["status"] {
  if (message.includes("guest agent is not configured")) return "no-channel";
  if (message.includes("guest agent is not connected")) return "not-connected";
  if (message.includes("not available for now")) return "timeout";
  return "error";
}
