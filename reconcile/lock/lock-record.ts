import type { ProcessIdentity } from "../process/identity.js";

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
