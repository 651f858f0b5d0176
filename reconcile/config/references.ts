import { SINGLE_HOST_NAME } from "./build.js";
import type { DiagnosticSink } from "./diag.js";
import type { Reference } from "./fragment.js";
import type { Merged } from "./merge.js";
import { keyPath, showName } from "./names.js";
import { suggestKey } from "./suggest.js";
import { checkHostKinds } from "./host-kinds.js";

/**
 * Cross-checks over the merged configuration: every referenced image, instance and host exists;
 * each instance runs on a host (named under `hosts:`, or the single `host:`); and no instance is
 * declared in a way that makes a required quiesce impossible. Sets each instance's `host`.
 * `complete` is false when some file could not be read: undefined references are then not
 * reported, since the missing names may be declared in that file.
 */
export function checkReferences(merged: Merged, complete: boolean, sink: DiagnosticSink): void {
  assignHosts(merged, complete, sink);
  for (const ref of merged.references) {
    if (ref.kind === "host") continue; // assignHosts checks host references with the mode in mind
    const declared = ref.kind === "image" ? merged.images : merged.instances;
    if (declared[ref.name] === undefined && complete) undefinedReference(ref, Object.keys(declared), sink);
  }
  checkQuiesce(merged, sink);
  checkHostKinds(merged, sink);
}

function assignHosts(merged: Merged, complete: boolean, sink: DiagnosticSink): void {
  if (merged.mode === "single") {
    for (const i of Object.values(merged.instances)) i.host = SINGLE_HOST_NAME;
    for (const ref of merged.references.filter((r) => r.kind === "host")) {
      sink.error(
        "config.conflict",
        ref.pos,
        `${ref.where}: an instance names its host only in a fleet (hosts:)`,
        "this configuration declares one host with host:, and every instance runs on it; remove host: here, or declare the hosts by name under hosts: instead of host:",
      );
    }
    return;
  }
  if (merged.mode !== "fleet") return;
  const names = Object.keys(merged.hosts);
  for (const i of merged.hostlessInstances) {
    sink.error(
      "config.missing",
      i.pos,
      `${keyPath("instances", i.name)} does not say which host it runs on`,
      `add host: NAME, where NAME is one of the hosts under hosts:${listNames(names)}`,
    );
  }
  for (const ref of merged.references.filter((r) => r.kind === "host")) {
    if (merged.hosts[ref.name] === undefined && complete) undefinedReference(ref, names, sink);
  }
}

function undefinedReference(ref: Reference, names: string[], sink: DiagnosticSink): void {
  const guess = suggestKey(ref.name, names);
  const section = `${ref.kind === "image" ? "images" : ref.kind === "host" ? "hosts" : "instances"}:`;
  sink.error(
    "config.undefined-reference",
    ref.pos,
    `${ref.where}: ${ref.kind} ${showName(ref.name)} is not defined`,
    `${guess !== undefined ? `did you mean ${showName(guess)}? ` : ""}declare it under ${section}${names.length > 0 ? `, or use one of${listNames(names)}` : ` (there are none yet)`}`,
  );
}

/**
 * A quiesce can only be done by the guest agent. An instance that turns the agent off while it (or
 * its image) requires quiesce could never be snapshotted; one that turns quiesce off while its image
 * requires it would contradict the image. Both are refused here rather than failing every snapshot.
 */
function checkQuiesce(merged: Merged, sink: DiagnosticSink): void {
  for (const i of Object.values(merged.instances)) {
    const image = i.image !== undefined ? merged.images[i.image] : undefined;
    const required = i.quiesce === "required" || (i.quiesce === undefined && image?.requireQuiesce === true);
    if (i.agent === false && required) {
      sink.error(
        "config.conflict",
        i.pos,
        `${keyPath("instances", i.name)} requires quiesced snapshots but turns the guest agent off`,
        image?.requireQuiesce === true && i.quiesce === undefined
          ? `quiesce needs the guest agent, and image ${showName(image.name)} sets os_require_quiesce; set agent: true, or use another image`
          : "quiesce needs the guest agent; set agent: true, or quiesce: preferred or off",
      );
    }
    if (i.quiesce === "off" && image?.requireQuiesce === true) {
      sink.error(
        "config.conflict",
        i.pos,
        `${keyPath("instances", i.name)} has quiesce: off, but its image ${showName(image.name)} requires quiesce (os_require_quiesce)`,
        "remove quiesce: off, or use an image that does not set os_require_quiesce",
      );
    }
  }
}

function listNames(names: string[]): string {
  if (names.length === 0) return "";
  const shown = names
    .slice(0, 10)
    .map((n) => (/^[\x21-\x7e]+$/.test(n) ? n : showName(n)))
    .join(", ");
  return `: ${shown}${names.length > 10 ? `, … (${names.length} in all)` : ""}`;
}
