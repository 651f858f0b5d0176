import { buildHost } from "./build-host.js";
import { buildImage } from "./build-image.js";
import { buildInstance } from "./build-instance.js";
import { buildSchedule } from "./build-schedule.js";
import { checkShape } from "./check.js";
import type { DiagnosticSink } from "./diag.js";
import type { Fragment } from "./fragment.js";
import { NAME_RULE_TEXT, keyPath, nameProblem, showName } from "./names.js";
import type { ParsedFile } from "./parse.js";
import { fileShape } from "./schema.js";
import { getMap, type CheckedMap, type CheckedEntry } from "./tree.js";

/** The single host of a `host:` configuration is named `default`. */
export const SINGLE_HOST_NAME = "default";

const KIND_OF_SECTION = { hosts: "host", images: "image", instances: "instance", schedules: "schedule" } as const;

/**
 * Builds what one parsed file declares: checks its shape against the schema, then builds each host,
 * image, instance and schedule, reporting every problem. Cross-file and cross-reference checks are
 * left to `merge.ts` and `references.ts`.
 */
export function buildFragment(file: ParsedFile, sink: DiagnosticSink): Fragment {
  const fragment: Fragment = {
    file: file.path,
    hosts: [],
    images: [],
    instances: [],
    schedules: [],
    references: [],
    hostlessInstances: [],
    complete: true,
    empty: false,
  };
  const start = file.pos(0);
  if (file.doc.contents === null) {
    fragment.empty = true;
    sink.error(
      "config.empty",
      start,
      `${file.path} is empty`,
      "a frost file is a mapping with host: (or hosts:), images:, instances: and schedules:; see examples/ for a complete one",
    );
    return fragment;
  }
  const top = checkShape(file, sink, file.doc.contents, fileShape, { path: "", keyPos: start });
  if (top?.kind !== "map") {
    fragment.complete = false;
    return fragment;
  }

  fragment.singleHostPos = top.written.get("host");
  fragment.fleetPos = top.written.get("hosts");
  const host = getMap(top, "host");
  if (host !== undefined && fragment.singleHostPos !== undefined) {
    fragment.singleHost = buildHost(SINGLE_HOST_NAME, host, fragment.singleHostPos, "host", sink);
  }
  for (const e of named(top, "hosts", sink)) fragment.hosts.push(buildHost(e.key, e.value, e.keyPos, keyPath("hosts", e.key), sink));
  for (const e of named(top, "images", sink)) fragment.images.push(buildImage(e.key, e.value, e.keyPos, file, sink));
  for (const e of named(top, "instances", sink)) {
    const built = buildInstance(e.key, e.value, e.keyPos, file, sink);
    fragment.instances.push(built.spec);
    fragment.references.push(...built.references);
    if (!built.namesHost) fragment.hostlessInstances.push(built.spec);
  }
  for (const e of named(top, "schedules", sink)) {
    const built = buildSchedule(e.key, e.value, e.keyPos, sink);
    fragment.schedules.push(built.spec);
    fragment.references.push(...built.references);
  }
  return fragment;
}

/** The entries of a name -> settings section whose settings are a mapping, after checking each name. */
function named(top: CheckedMap, section: keyof typeof KIND_OF_SECTION, sink: DiagnosticSink): (CheckedEntry & { value: CheckedMap })[] {
  const out: (CheckedEntry & { value: CheckedMap })[] = [];
  for (const entry of getMap(top, section)?.entries.values() ?? []) {
    const why = nameProblem(entry.key);
    if (why !== undefined) {
      sink.error("config.name", entry.keyPos, `${KIND_OF_SECTION[section]} name ${showName(entry.key)} ${why}`, NAME_RULE_TEXT);
    }
    if (entry.value.kind === "map") out.push({ ...entry, value: entry.value });
  }
  return out;
}
