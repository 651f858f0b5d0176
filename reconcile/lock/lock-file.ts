import { createHash } from "node:crypto";
import { join } from "node:path";
import { identityFields } from "../process/identity.js";
import { CorruptLockError } from "./errors.js";
import type { LockRecord } from "./lock-record.js";

/** The directory that holds the lock files of `stateDir`: `<stateDir>/locks`. */
export function locksDir(stateDir: string): string {
  return join(stateDir, "locks");
}

/**
 * The lock file of `key` (a URI, or a host's identity): `<stateDir>/locks/<digest>.lock`, the
 * digest being the first 16 hex digits of the key's sha256. A digest keeps any URI (slashes,
 * `+ssh`, query strings) a safe file name; 64 bits make an accidental collision between one
 * operator's hosts negligible.
 */
export function lockPath(key: string, stateDir: string): string {
  const digest = createHash("sha256").update(key).digest("hex").slice(0, 16);
  return join(locksDir(stateDir), `${digest}.lock`);
}

/** The file's text for `record`: one JSON object and a newline. */
export function serializeLock(record: LockRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

/**
 * Reads a lock file's text back into a record. Anything that is not a well-formed record —
 * bad JSON, a missing or mistyped field — throws a `CorruptLockError` naming `path`; such a file
 * is never taken for free or deleted on frost's own judgement.
 */
export function parseLock(text: string, path: string): LockRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CorruptLockError(path, `it is not valid JSON (${(e as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CorruptLockError(path, "it does not hold a JSON object");
  }
  const v = value as Record<string, unknown>;
  if (v["version"] !== 1) throw new CorruptLockError(path, `its version is ${JSON.stringify(v["version"])}, expected 1`);
  for (const key of ["id", "uri", "hostname", "command", "startedAt"] as const) {
    if (typeof v[key] !== "string") throw new CorruptLockError(path, `its "${key}" is missing or not a string`);
  }
  if (typeof v["pid"] !== "number" || !Number.isInteger(v["pid"]) || v["pid"] <= 0) {
    throw new CorruptLockError(path, `its "pid" is missing or not a positive integer`);
  }
  if (v["key"] !== undefined && typeof v["key"] !== "string") throw new CorruptLockError(path, `its "key" is not a string`);
  return {
    version: 1,
    id: v["id"] as string,
    uri: v["uri"] as string,
    ...(typeof v["key"] === "string" ? { key: v["key"] } : {}),
    pid: v["pid"],
    hostname: v["hostname"] as string,
    ...identityFields(v),
    command: v["command"] as string,
    startedAt: v["startedAt"] as string,
  };
}
