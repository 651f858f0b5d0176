import type { InstanceSpec } from "../../../config/types.js";
import type { Diagnostic } from "../../../diagnostics.js";
import type { NovaServer } from "../cloud.js";
import { MARK } from "../markers.js";
import type { ComputeFact } from "../observe.js";

/**
 * A server Nova lists as ACTIVE whose domain the compute host's libvirt does not have: Nova's record
 * outlived the domain (removed outside Nova). Nova answers a snapshot request for it with no image
 * (and leaves the server in task state image_snapshot), so frost sends it none and reports it as broken:
 * an error at the instance, saying how to repair it. Undefined for a server that is not such a case
 * (a server being built, rebuilt or stopped may lack its domain for good reasons).
 */
export function lostDomain(instance: InstanceSpec, server: NovaServer, fact: ComputeFact | undefined): Diagnostic | undefined {
  if (fact?.status !== "missing" || server.status !== "ACTIVE") return undefined;
  const anew =
    server.metadata[MARK.createdBy] === "frost"
      ? "; frost apply then boots it anew from its image"
      : "; then remove or replace it in the configuration";
  return {
    severity: "error",
    code: "plan.server-domain-missing",
    summary: `instance ${instance.name}: Nova lists server ${server.name} (${server.id}) as ACTIVE on compute host ${fact.computeHost}, but ${fact.uri} has no domain ${fact.domain}`,
    detail: [
      "Nova's record outlived the domain, which was removed outside Nova; Nova would answer a snapshot with no image, so frost requests none. Either",
      `- have Nova define the domain again from the server's disk: openstack server reboot --hard ${server.id} (if Nova left the server in a task state: openstack server set --state active ${server.id} first), or`,
      `- delete the server: openstack server delete ${server.id}${anew}`,
    ].join("\n"),
    pos: instance.pos,
    source: "user",
  };
}
