import type { DiagnosticSink } from "./diag.js";
import type { Reference } from "./fragment.js";
import { keyPath } from "./names.js";
import { KEEP_COUNTS, KEEP_DURATIONS } from "./schema.js";
import { checkCron, checkDuration, checkTimezone } from "./time.js";
import { getBoolean, getMap, getNumber, getString, type CheckedMap } from "./tree.js";
import type { KeepPolicy, QuiescePolicy, ScheduleSpec, SourcePos } from "./types.js";

/** A schedule as declared in one file, with the instances it names. */
export interface BuiltSchedule {
  spec: ScheduleSpec;
  references: Reference[];
}

/**
 * Builds one schedule: its instances (names, or `all`), a five-field cron in its time zone (default
 * UTC) and restic-style retention. A schedule without retention keeps every snapshot it takes; that is
 * allowed but warned about, since snapshots then accumulate without bound.
 */
export function buildSchedule(name: string, map: CheckedMap, pos: SourcePos, sink: DiagnosticSink): BuiltSchedule {
  const where = keyPath("schedules", name);
  const references: Reference[] = [];
  const names: string[] = [];
  const list = map.entries.get("instances")?.value;
  const instances = list?.kind === "scalar" && list.value === "all" ? "all" : names;
  if (list?.kind === "list") {
    list.items.forEach((item, i) => {
      if (item.kind !== "scalar" || typeof item.value !== "string") return;
      names.push(item.value);
      references.push({ kind: "instance", name: item.value, pos: item.pos, where: `${where}.instances[${i}]` });
    });
  }

  let timezone = "UTC";
  let timezoneValid = true;
  const tz = getString(map, "timezone");
  if (tz !== undefined) {
    timezone = tz.value;
    const p = checkTimezone(tz.value);
    if (p !== undefined) {
      timezoneValid = false;
      sink.problem("config.timezone", tz.pos, p);
    }
  }
  const cron = getString(map, "cron");
  if (cron !== undefined) {
    const p = checkCron(cron.value, timezoneValid ? timezone : undefined);
    if (p !== undefined) sink.problem("config.cron", cron.pos, p);
  }

  const spec: ScheduleSpec = {
    name,
    instances,
    cron: cron?.value ?? "",
    timezone,
    keep: buildKeep(getMap(map, "keep"), where, sink),
    paused: getBoolean(map, "paused") ?? false,
    pos,
  };
  const quiesce = getString(map, "quiesce");
  if (quiesce !== undefined) spec.quiesce = quiesce.value as QuiescePolicy;
  const keep = getMap(map, "keep");
  if ((keep === undefined && !map.written.has("keep")) || keep?.written.size === 0) {
    sink.warn(
      "config.keep-empty",
      map.written.get("keep") ?? pos,
      `${where} has no retention: every snapshot it takes will be kept`,
      "add keep: with restic's --keep-* options, e.g. keep: { last: 3, daily: 7, weekly: 4, monthly: 6 }",
    );
  }
  return { spec, references };
}

function buildKeep(keep: CheckedMap | undefined, where: string, sink: DiagnosticSink): KeepPolicy {
  const out: KeepPolicy = {};
  if (keep === undefined) return out;
  for (const key of KEEP_COUNTS) {
    const n = getNumber(keep, key);
    if (n === undefined) continue;
    if (n.value === -1 || n.value >= 1) out[key] = n.value;
    else {
      sink.error(
        "config.range",
        n.pos,
        `${where}.keep.${key} is ${n.value}`,
        `write a count of 1 or more, or -1 to keep all; to keep none by this rule, leave ${key} out`,
      );
    }
  }
  for (const key of KEEP_DURATIONS) {
    const d = getString(keep, key);
    if (d === undefined) continue;
    const p = checkDuration(d.value);
    if (p !== undefined) sink.error("config.duration", d.pos, `${where}.keep.${key}: ${p.problem.summary}`, p.problem.detail);
    else out[key] = d.value;
  }
  return out;
}
