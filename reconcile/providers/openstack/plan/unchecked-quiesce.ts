import type { HostSpec, InstanceSpec } from "../../../config/types.js";
import type { Diagnostic } from "../../../diagnostics.js";
import type { NovaServer } from "../cloud.js";
import type { ComputeFact } from "../observe.js";

/** Why frost cannot ping a server's agent through its compute host's libvirt (for messages). */
export function whyUnchecked(fact: ComputeFact | undefined): string {
  if (!fact) return "its compute host is not reachable";
  if (fact.status === "unreachable") return fact.reason;
  if (fact.status === "missing") return `${fact.uri} has no domain ${fact.domain}`;
  return "";
}

/**
 * A snapshot whose quiesce is required, of a server whose agent frost cannot check before asking
 * Nova (its compute host is not under `compute:`, its libvirt does not answer, or Nova does not
 * show where the server runs). Nova snapshots without freezing when the agent is disconnected, even
 * with os_require_quiesce=yes, so frost does not plan one unless the host accepts Nova's own
 * enforcement (`trustNovaQuiesce: true`). An error at the instance, with the two ways out.
 */
export function uncheckedQuiesce(
  host: HostSpec,
  instance: InstanceSpec,
  server: NovaServer,
  fact: ComputeFact | undefined,
  what: string,
): Diagnostic {
  const computeHost = fact?.status === "unreachable" ? fact.computeHost : server.computeHost;
  const uri = fact?.status === "unreachable" ? fact.uri : undefined;
  const reach =
    computeHost === undefined
      ? `let frost see where the server runs (Nova shows it to the admin role only) and list that compute host's libvirt under compute: on host ${host.name}`
      : uri !== undefined
        ? `make the libvirt of compute host ${computeHost} answer at ${uri}`
        : `give frost the compute host's libvirt: compute: { ${computeHost}: qemu+ssh://${computeHost}/system } on host ${host.name}`;
  return {
    severity: "error",
    code: "plan.quiesce-unchecked",
    summary: `instance ${instance.name}: quiesce is required (snapshot ${what}), but frost cannot check the guest agent of server ${server.name} before asking Nova: ${whyUnchecked(fact)}`,
    detail: [
      "Nova snapshots without freezing when the agent is disconnected, even with os_require_quiesce=yes; frost asks for no such snapshot unchecked. Either",
      `- ${reach}, or`,
      `- accept Nova's own enforcement: trustNovaQuiesce: true on host ${host.name} (the snapshots are then recorded as unverified)`,
    ].join("\n"),
    pos: instance.pos,
    source: "user",
  };
}

/** A snapshot line's reason, naming the option that accepted an unchecked quiesce: `(…; quiesce required; unchecked: …)`. */
export function acceptedReason(reason: string, key: string): string {
  const accepted = `unchecked: Nova's own enforcement accepted by ${key}`;
  return reason.endsWith(")") ? `${reason.slice(0, -1)}; ${accepted})` : `${reason} (${accepted})`;
}
