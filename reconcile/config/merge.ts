import { formatPos } from "../diagnostics.js";
import type { DiagnosticSink } from "./diag.js";
import type { Fragment, Reference } from "./fragment.js";
import type { HostSpec, ImageSpec, InstanceSpec, ScheduleSpec, SourcePos } from "./types.js";

/**
 * All files merged. `mode` is `single` for a `host:` configuration, `fleet` for `hosts:`, and
 * undefined when neither (or, after an error, both) was declared.
 */
export interface Merged {
  mode?: "single" | "fleet";
  files: string[];
  hosts: Record<string, HostSpec>;
  images: Record<string, ImageSpec>;
  instances: Record<string, InstanceSpec>;
  schedules: Record<string, ScheduleSpec>;
  references: Reference[];
  hostlessInstances: InstanceSpec[];
}

/**
 * Merges the fragments of all files, in file order. A name defined twice (of the same kind) is an
 * error at the second definition, pointing back at the first. A configuration has one `host:` or
 * one `hosts:` map (which may be spread over files), never both, and at least one of them.
 * `complete` is false when some file could not be read, so names may be missing through no fault of
 * the files that were.
 */
export function mergeFragments(fragments: Fragment[], complete: boolean, sink: DiagnosticSink): Merged {
  const merged: Merged = {
    files: fragments.map((f) => f.file),
    hosts: {},
    images: {},
    instances: {},
    schedules: {},
    references: fragments.flatMap((f) => f.references),
    hostlessInstances: fragments.flatMap((f) => f.hostlessInstances),
  };
  merged.mode = decideMode(fragments, complete, sink);
  const fleetPos = fragments.find((f) => f.fleetPos !== undefined)?.fleetPos;
  for (const f of fragments) {
    if (f.singleHost !== undefined) {
      const first = merged.hosts[f.singleHost.name];
      if (first === undefined) merged.hosts[f.singleHost.name] = f.singleHost;
      else {
        sink.error(
          "config.duplicate-name",
          f.singleHost.pos,
          "host: is declared a second time",
          `it is first declared at ${formatPos(first.pos)}; a configuration has one host:; to manage several hosts, name them under hosts:`,
        );
      }
    }
    for (const h of f.hosts) add(merged.hosts, h, "host", sink);
    for (const i of f.images) add(merged.images, i, "image", sink);
    for (const i of f.instances) add(merged.instances, i, "instance", sink);
    for (const s of f.schedules) add(merged.schedules, s, "schedule", sink);
  }
  if (merged.mode === "fleet" && complete && Object.keys(merged.hosts).length === 0 && fleetPos !== undefined) {
    sink.error("config.missing", fleetPos, "hosts: names no host", "name at least one host, e.g. hosts: { kvm1: { uri: qemu:///system } }");
  }
  return merged;
}

function add<T extends { name: string; pos: SourcePos }>(into: Record<string, T>, item: T, kind: string, sink: DiagnosticSink): void {
  const first = into[item.name];
  if (first === undefined) {
    into[item.name] = item;
    return;
  }
  sink.error(
    "config.duplicate-name",
    item.pos,
    `${kind} "${item.name}" is defined twice`,
    `it is first defined at ${formatPos(first.pos)}; ${kind} names must be unique across all files of the configuration`,
  );
}

function decideMode(fragments: Fragment[], complete: boolean, sink: DiagnosticSink): Merged["mode"] {
  let single: SourcePos | undefined;
  let fleet: SourcePos | undefined;
  let conflict = false;
  for (const f of fragments) {
    // Within a file, report at whichever key comes second.
    const here = [
      { kind: "host" as const, pos: f.singleHostPos },
      { kind: "hosts" as const, pos: f.fleetPos },
    ].filter((k): k is { kind: "host" | "hosts"; pos: SourcePos } => k.pos !== undefined);
    here.sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col);
    for (const k of here) {
      const other = k.kind === "host" ? fleet : single;
      if (other !== undefined) {
        conflict = true;
        sink.error(
          "config.conflict",
          k.pos,
          k.kind === "host" ? "host: cannot be combined with hosts:" : "hosts: cannot be combined with host:",
          `${k.kind === "host" ? "hosts:" : "host:"} is declared at ${formatPos(other)}; write one host as host:, or a fleet as hosts: (a map of named hosts), not both`,
        );
      }
      if (k.kind === "host") single ??= k.pos;
      else fleet ??= k.pos;
    }
  }
  if (conflict) return undefined;
  if (single !== undefined) return "single";
  if (fleet !== undefined) return "fleet";
  // A file we could not read may well hold the host; do not blame its absence on the others.
  if (!complete) return undefined;
  // An empty file was reported as such; "no host" would only repeat it.
  if (fragments.every((f) => f.empty)) return undefined;
  const first = fragments[0];
  sink.error(
    "config.missing",
    first !== undefined ? { file: first.file, line: 1, col: 1 } : undefined,
    "no host is declared",
    "add host: (one libvirt host, e.g. host: { uri: qemu:///system }) or hosts: (a map of named hosts) to one of the files",
  );
  return undefined;
}
