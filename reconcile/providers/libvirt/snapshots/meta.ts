import type { SnapshotMeta } from "../hypervisor.js";

/** What a snapshot description written by frost starts with; the JSON record follows. */
const PREFIX = "frost:v1 ";

/** The snapshot description that records `meta`: `frost:v1 {json}` on one line. */
export function encodeSnapshotMeta(meta: SnapshotMeta): string {
  return PREFIX + JSON.stringify(meta);
}

/**
 * Reads frost's record back from a snapshot description. Undefined for anything frost did not
 * write (no prefix, bad JSON, missing fields): such a snapshot is not frost's and is never touched.
 */
export function decodeSnapshotMeta(description: string | undefined): SnapshotMeta | undefined {
  if (!description?.startsWith(PREFIX)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(description.slice(PREFIX.length));
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== "object") return undefined;
  const m = value as Record<string, unknown>;
  const str = (k: string) => typeof m[k] === "string";
  const optStr = (k: string) => m[k] === undefined || str(k);
  if (!str("takenAt") || !str("frostVersion") || !optStr("schedule") || !optStr("scheduledAt")) return undefined;
  if (m["consistency"] !== "filesystem" && m["consistency"] !== "crash") return undefined;
  if (m["quiesce"] !== "required" && m["quiesce"] !== "preferred" && m["quiesce"] !== "off") return undefined;
  if (typeof m["frozenFilesystems"] !== "number") return undefined;
  if (m["freezeWindowMs"] !== undefined && typeof m["freezeWindowMs"] !== "number") return undefined;
  return m as unknown as SnapshotMeta;
}
