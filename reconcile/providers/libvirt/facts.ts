import type { AppArmorFacts } from "./plan/apparmor.js";
import type { GuestFacts } from "./plan/fsfreeze-hooks.js";
import type { JournalFact } from "./plan/thaw.js";
import type { DomainDefinition, ObservedHost, ObservedPool } from "./hypervisor.js";

/**
 * What the libvirt provider observed of one host: its domains (those read in detail), frost's freeze
 * journal for it, its AppArmor abstraction (local hosts), per instance its hook sources and agent
 * readiness (`guests`), the pool where images or frost's disks live, and every domain's definition
 * (memory, vcpus, frost's record, disks).
 */
export interface LibvirtFacts {
  host: ObservedHost;
  journal: JournalFact[];
  apparmor?: AppArmorFacts;
  guests?: Record<string, GuestFacts>;
  /** The host's pool (host.pool), where images are declared; absent when it does not exist. */
  pool?: ObservedPool;
  /** Memory, vcpus and frost's record of every domain on the host (to find what frost created and is no longer declared). */
  definitions?: Record<string, DomainDefinition>;
}
