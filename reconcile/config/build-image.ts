import { resolve } from "node:path";
import { buildHooks } from "./build-hooks.js";
import { isGlanceOwn, isMark } from "./image-properties.js";
import type { DiagnosticSink } from "./diag.js";
import { keyPath } from "./names.js";
import type { ParsedFile } from "./parse.js";
import { suggestKey } from "./suggest.js";
import { getMap, getString, type CheckedMap } from "./tree.js";
import type { ImageSpec, SourcePos } from "./types.js";
import { controlCharacter, isProblem, parseGlanceBoolean } from "./values.js";

/** Glance properties frost acts on, read with Glance's boolean forms. */
const BOOLEAN_PROPERTIES = ["hw_qemu_guest_agent", "os_require_quiesce"] as const;

/**
 * Builds one image. `source` is resolved against the declaring file's directory (its existence is
 * checked at plan time). Properties are kept as written, as strings; the two frost acts on are read
 * as booleans, an invalid form being an error because a misread `os_require_quiesce` would silently
 * allow crash-consistent snapshots.
 */
export function buildImage(name: string, map: CheckedMap, pos: SourcePos, file: ParsedFile, sink: DiagnosticSink): ImageSpec {
  const where = keyPath("images", name);
  const source = getString(map, "source");
  if (source !== undefined && source.value.trim() === "") {
    sink.error(
      "config.value",
      source.pos,
      `${where}.source is empty`,
      "write the path of the image file, relative to this file or absolute",
    );
  }
  for (const key of ["source", "kernel", "initrd", "cmdline"] as const) {
    const value = getString(map, key);
    const control = value !== undefined ? controlCharacter(value.value) : undefined;
    if (value === undefined || control === undefined) continue;
    sink.error(
      "config.value",
      value.pos,
      `${where}.${key} contains the control character ${control}`,
      key === "cmdline"
        ? "it goes into the domain's XML (Glance's os_command_line on OpenStack); write the command line on one line, without control characters"
        : "the path reaches qemu-img, virsh and the domain's XML; rename the file so that its path has no control characters",
    );
  }
  const format = getString(map, "format");
  const boot: Pick<ImageSpec, "kernel" | "initrd" | "cmdline"> = {};
  for (const key of ["kernel", "initrd"] as const) {
    const path = getString(map, key);
    if (path === undefined) continue;
    if (path.value.trim() === "")
      sink.error("config.value", path.pos, `${where}.${key} is empty`, "write the path of the file, relative to this file or absolute");
    boot[key] = resolve(file.dir, path.value);
  }
  const cmdline = getString(map, "cmdline");
  if (cmdline !== undefined) boot.cmdline = cmdline.value;
  for (const key of ["initrd", "cmdline"] as const) {
    if (boot[key] === undefined || boot.kernel !== undefined) continue;
    sink.error(
      "config.value",
      getString(map, key)?.pos ?? pos,
      `${where}.${key} needs kernel`,
      `${key} is only used with direct kernel boot: add kernel`,
    );
  }
  const spec: ImageSpec = {
    name,
    source: source !== undefined ? resolve(file.dir, source.value) : "",
    format: format?.value === "qcow2" ? "qcow2" : "raw",
    ...boot,
    properties: {},
    agent: false,
    requireQuiesce: false,
    fsfreezeHooks: buildHooks(getMap(map, "fsfreezeHooks"), file, sink),
    pos,
  };
  const properties = getMap(map, "properties");
  for (const { key, keyPos, value } of properties?.entries.values() ?? []) {
    if (value.kind !== "scalar") continue;
    const text = typeof value.value === "string" ? value.value : value.source;
    if (isGlanceOwn(key) || isMark(key)) {
      sink.error(
        "config.property-reserved",
        keyPos,
        `${keyPath(`${where}.properties`, key)} is not an image property`,
        isMark(key)
          ? "properties named frost_* are frost's own records on Glance images; choose another name"
          : "it is one of Glance's own attributes (or reserved by Glance), which a property cannot set; remove it",
      );
      continue;
    }
    spec.properties[key] = text;
    if ((BOOLEAN_PROPERTIES as readonly string[]).includes(key)) {
      const b = parseGlanceBoolean(text);
      if (isProblem(b)) {
        sink.error("config.property-value", value.pos, `${keyPath(`${where}.properties`, key)}: ${b.problem.summary}`, b.problem.detail);
      } else if (key === "hw_qemu_guest_agent") {
        spec.agent = b.value;
      } else {
        spec.requireQuiesce = b.value;
      }
    } else if (key === "hw_require_fsfreeze") {
      sink.warn(
        "config.property-unimplemented",
        keyPos,
        `${where}.properties.hw_require_fsfreeze has no effect: Nova never implemented it`,
        "use os_require_quiesce: yes to require quiesced (frozen) snapshots",
      );
    } else {
      const guess = suggestKey(key, BOOLEAN_PROPERTIES);
      sink.warn(
        "config.property-unknown",
        keyPos,
        `${keyPath(`${where}.properties`, key)} is not a property frost acts on: it has no effect on a libvirt host, and is set on the Glance image on an OpenStack host`,
        `${guess !== undefined ? `did you mean ${guess}? ` : ""}frost acts on ${BOOLEAN_PROPERTIES.join(" and ")}`,
      );
    }
  }
  return spec;
}
