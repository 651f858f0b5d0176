import { showBytes } from "../../../units.js";
import type { ObservedDomain } from "../hypervisor.js";
import { instanceAddress } from "../../../model.js";
import type { LibvirtChange } from "../steps.js";

/**
 * What changed outside frost in one domain: where the persistent definition differs from frost's
 * record of what it last applied (the agent channel; memory and vcpus of a domain frost created).
 * `before` is the record, `after` what is observed. Undefined when frost never recorded anything,
 * or nothing differs. Reported apart from the changes frost proposes, which it never affects.
 */
export function planDrift(host: string, domain: ObservedDomain): LibvirtChange | undefined {
  const record = domain.definition?.record;
  if (!record) return undefined;
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  const what: string[] = [];
  const channel = domain.persistent?.agentChannel !== undefined;
  if (record.agent !== undefined && record.agent !== channel) {
    before["agentChannel"] = { persistent: record.agent };
    after["agentChannel"] = { persistent: channel };
    what.push(`the guest-agent channel was ${channel ? "added to" : "removed from"} the persistent definition`);
  }
  const memory = domain.definition?.memory;
  if (record.memory !== undefined && memory !== undefined && record.memory !== memory) {
    before["memory"] = record.memory;
    after["memory"] = memory;
    what.push(`memory was changed from ${showBytes(record.memory)} to ${showBytes(memory)}`);
  }
  const vcpus = domain.definition?.vcpus;
  if (record.vcpus !== undefined && vcpus !== undefined && record.vcpus !== vcpus) {
    before["vcpus"] = record.vcpus;
    after["vcpus"] = vcpus;
    what.push(`vcpus were changed from ${record.vcpus} to ${vcpus}`);
  }
  const power = domain.state === "running" ? "running" : domain.state === "shutoff" ? "stopped" : undefined;
  if (record.state !== undefined && power !== undefined && record.state !== power) {
    before["state"] = record.state;
    after["state"] = power;
    what.push(`the domain was ${power === "stopped" ? "stopped" : "started"}`);
  }
  if (what.length === 0) return undefined;
  return { host, address: instanceAddress(domain.name), action: "update", before, after, reason: what.join("; "), steps: [], notes: [] };
}
