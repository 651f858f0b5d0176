import { mapBounded } from "../../../pool.js";
import type { DiskUse, DomainDefinition } from "../hypervisor.js";
import { parseDomainDefinition } from "./domain-definition.js";
import { domainFromNodes, xpathOf } from "./domain-xpath.js";
import { fitsInBatch } from "./session-protocol.js";
import { runXpathBatch } from "./xpath-batch.js";
import type { Virsh } from "./virsh.js";

/** Only what `parseDomainDefinition` reads, selected by virsh (libvirt >= 8.5). Double quotes: a batch single-quotes its arguments. */
export const DEFINITION_PATHS = ["/domain/uuid", "/domain/memory", "/domain/vcpu", "/domain/metadata", "/domain/devices/disk"] as const;

/** The disks of a running domain's live XML, with their backing chains. */
export const LIVE_DISK_PATHS = ["/domain/devices/disk"] as const;

/**
 * Memory, vcpus, frost's record, UUID and disks from each domain's persistent XML, and the live
 * disks of the domains named in `live`: one batch of `dumpxml [--inactive] --xpath` (whole
 * documents from a virsh without --xpath); names a batch cannot carry are read one process each.
 * A domain not found is left out.
 */
export async function readDefinitions(
  virsh: Virsh,
  names: readonly string[],
  options: { live?: readonly string[] } = {},
): Promise<Record<string, DomainDefinition>> {
  const batched = names.filter(fitsInBatch);
  const live = new Set(options.live ?? []);
  const questions = batched.flatMap((name) => [{ name, live: false }, ...(live.has(name) ? [{ name, live: true }] : [])]);
  const { replies, xpath } = await runXpathBatch(virsh, (xpath) =>
    questions.map((q) => [
      "dumpxml",
      "--domain",
      q.name,
      ...(q.live ? [] : ["--inactive"]),
      ...(xpath ? ["--xpath", xpathOf(q.live ? LIVE_DISK_PATHS : DEFINITION_PATHS)] : []),
    ]),
  );
  const definitions: Record<string, DomainDefinition> = {};
  const liveDisks = new Map<string, DiskUse[]>();
  questions.forEach((q, i) => {
    const reply = replies[i];
    if (!reply || reply.failed) return;
    const xml = xpath ? domainFromNodes(reply.stdout, q.live ? LIVE_DISK_PATHS : DEFINITION_PATHS) : reply.stdout;
    if (q.live) liveDisks.set(q.name, parseDomainDefinition(xml).disks ?? []);
    else definitions[q.name] = parseDomainDefinition(xml);
  });
  for (const [name, disks] of liveDisks) {
    const definition = definitions[name];
    if (definition) definition.liveDisks = disks;
  }
  await mapBounded(
    names.filter((n) => !fitsInBatch(n)),
    4,
    async (name) => {
      const xml = await virsh.exec(["dumpxml", "--domain", name, "--inactive"]);
      if (xml.code !== 0) return;
      const definition = parseDomainDefinition(xml.stdout);
      if (live.has(name)) {
        const current = await virsh.exec(["dumpxml", "--domain", name]);
        if (current.code === 0) definition.liveDisks = parseDomainDefinition(current.stdout).disks ?? [];
      }
      definitions[name] = definition;
    },
  );
  return definitions;
}
