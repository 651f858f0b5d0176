import type { HostSpec, InstanceSpec } from "../../config/types.js";
import { instanceAddress, type SnapshotRequest } from "../../model.js";
import { freeSnapshotName, namesInUse } from "../../snapshots/naming.js";
import type { LibvirtFacts } from "./facts.js";
import type { LibvirtChange } from "./steps.js";

/**
 * `frost snapshot NAME` on a libvirt host: a snapshot of the running domain now, under a name none of
 * its snapshots has (a second one within a second, or a name someone else gave one, never collides),
 * or why there can be none.
 */
export function snapshotDomainNow(
  host: HostSpec,
  instance: InstanceSpec,
  facts: LibvirtFacts,
  request: SnapshotRequest,
  reason: string,
): { change: LibvirtChange } | { error: string } {
  const domain = facts.host.domains[instance.name];
  if (!domain) return { error: `instance ${instance.name}: host ${host.name} has no domain of that name` };
  if (domain.state !== "running") return { error: `instance ${instance.name} is ${domain.state}; frost snapshots running domains only` };
  const name = freeSnapshotName(request.name, namesInUse(domain));
  return {
    change: {
      host: host.name,
      address: instanceAddress(instance.name),
      action: "snapshot",
      before: {},
      after: { snapshot: name },
      reason,
      steps: [{ kind: "take-snapshot", domain: instance.name, request: { ...request, name } }],
      notes: [],
    },
  };
}

/**
 * `frost thaw NAME` on a libvirt host: thaws a running guest found frozen, whoever froze it, or one
 * whose agent cannot say whether it is frozen when frost's journal says frost froze it.
 */
export function thawDomainNow(host: HostSpec, instance: InstanceSpec, facts: LibvirtFacts): LibvirtChange | undefined {
  const domain = facts.host.domains[instance.name];
  if (!domain || domain.state !== "running") return undefined;
  const journalled = facts.journal.some((j) => j.entry.domain === instance.name);
  if (domain.freeze !== "frozen" && !(domain.freeze === undefined && journalled)) return undefined;
  return {
    host: host.name,
    address: instanceAddress(instance.name),
    action: "thaw",
    before: { filesystems: domain.freeze ?? "unknown" },
    after: { filesystems: "thawed" },
    reason: "thaw (on demand)",
    steps: [{ kind: "thaw", domain: instance.name }],
    notes: [],
  };
}
