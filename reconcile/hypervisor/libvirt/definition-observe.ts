import { mapBounded } from "../../pool.js";
import { HypervisorError, type DomainDefinition } from "../types.js";
import { parseDomainDefinition } from "./domain-definition.js";
import { fitsInBatch } from "./session-protocol.js";
import { runBatch } from "./virsh-batch.js";
import type { Virsh } from "./virsh.js";

/** Only what `parseDomainDefinition` reads, selected by virsh (libvirt >= 8.5). Double quotes: a batch single-quotes its arguments. */
const DEFINITION_XPATH = "/domain/memory | /domain/vcpu | /domain/metadata";

/**
 * Memory, vcpus and frost's record from each domain's persistent XML: one batched
 * `dumpxml --inactive --xpath` (whole documents from a virsh without --xpath); names a batch cannot
 * carry are read one process each. A domain not found is left out.
 */
export async function readDefinitions(virsh: Virsh, names: readonly string[]): Promise<Record<string, DomainDefinition>> {
  const batched = names.filter(fitsInBatch);
  const ask = (xpath: boolean) =>
    runBatch(
      virsh,
      batched.map((name) => ["dumpxml", "--domain", name, "--inactive", ...(xpath ? ["--xpath", DEFINITION_XPATH] : [])]),
    );
  let xpath = true;
  let replies;
  try {
    replies = await ask(true);
  } catch (e) {
    if (!(e instanceof HypervisorError) || !/--xpath/.test(e.message)) throw e;
    xpath = false;
    replies = await ask(false);
  }
  const definitions: Record<string, DomainDefinition> = {};
  batched.forEach((name, i) => {
    const reply = replies[i];
    if (reply && !reply.failed) definitions[name] = parseDomainDefinition(xpath ? `<domain>${reply.stdout}</domain>` : reply.stdout);
  });
  await mapBounded(
    names.filter((n) => !fitsInBatch(n)),
    4,
    async (name) => {
      const xml = await virsh.exec(["dumpxml", "--domain", name, "--inactive"]);
      if (xml.code === 0) definitions[name] = parseDomainDefinition(xml.stdout);
    },
  );
  return definitions;
}
