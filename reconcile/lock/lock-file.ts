import { createHash } from "node:crypto";
import { join } from "node:path";
import { identityFields, type ProcessIdentity } from "../process/identity.js";
import { CorruptLockError } from "./errors.js";

/**
 * What a host lock file holds: who is acting on the host `uri`. `id` is random, unique per
 * acquisition, and is what an operator types to `frost force-unlock`; `pid`, `hostname` and the
 * identity fields (`bootId`, `machineId`, `startTime`: see process/identity.ts) say which process
 * holds it, so that a later run can prove it gone; `command` is the holder's argv joined with
 * spaces; `startedAt` is an ISO-8601 instant. `key` is what the lock serialises when it is not the
 * URI itself (the host's libvirt UUID: one host reached by two URIs is one host). `version` is the
 * format version, so a later frost can tell an older file from a corrupt one; records written
 * before the identity fields existed simply lack them.
 */
export interface LockRecord extends ProcessIdentity {
  version: 1;
  id: string;
  uri: string;
  key?: string;
  command: string;
  startedAt: string;
}

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
