import type { SourcePos } from "./types.js";

/**
 * A YAML node that has passed its schema shape check (`check.ts`), with its position. Builders read
 * only checked values, so a value of the wrong type is simply absent here (and already reported).
 */
export type Checked = CheckedScalar | CheckedList | CheckedMap;

/** A scalar; `source` is the text as written (so `0x10` or `1.0` survive as the user wrote them). */
export interface CheckedScalar {
  kind: "scalar";
  value: string | number | boolean | null;
  source: string;
  pos: SourcePos;
}

export interface CheckedList {
  kind: "list";
  items: Checked[];
  pos: SourcePos;
}

/**
 * A mapping. `entries` holds the keys whose values passed the check, in written order; `written`
 * holds every valid key that was written at all (even with a bad value), so that a key with a bad
 * value is not reported a second time as missing.
 */
export interface CheckedMap {
  kind: "map";
  entries: Map<string, CheckedEntry>;
  written: Map<string, SourcePos>;
  pos: SourcePos;
}

export interface CheckedEntry {
  key: string;
  keyPos: SourcePos;
  value: Checked;
}

/** The string at `key`, if it was written and is a string. */
export function getString(map: CheckedMap, key: string): { value: string; pos: SourcePos } | undefined {
  const v = map.entries.get(key)?.value;
  return v?.kind === "scalar" && typeof v.value === "string" ? { value: v.value, pos: v.pos } : undefined;
}

export function getBoolean(map: CheckedMap, key: string): boolean | undefined {
  const v = map.entries.get(key)?.value;
  return v?.kind === "scalar" && typeof v.value === "boolean" ? v.value : undefined;
}

export function getNumber(map: CheckedMap, key: string): { value: number; pos: SourcePos } | undefined {
  const v = map.entries.get(key)?.value;
  return v?.kind === "scalar" && typeof v.value === "number" ? { value: v.value, pos: v.pos } : undefined;
}

export function getScalar(map: CheckedMap, key: string): CheckedScalar | undefined {
  const v = map.entries.get(key)?.value;
  return v?.kind === "scalar" ? v : undefined;
}

export function getMap(map: CheckedMap, key: string): CheckedMap | undefined {
  const v = map.entries.get(key)?.value;
  return v?.kind === "map" ? v : undefined;
}

export function getList(map: CheckedMap, key: string): CheckedList | undefined {
  const v = map.entries.get(key)?.value;
  return v?.kind === "list" ? v : undefined;
}
