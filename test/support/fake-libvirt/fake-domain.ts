import type { DomainDevices, DomainState, SnapshotOverlay } from "../../../reconcile/providers/libvirt/hypervisor.js";
import type { FrostRecord } from "../../../reconcile/providers/libvirt/frost-record.js";

/*
 * The fake hypervisor's data: what one fake domain, its guest and its snapshots are. The modules
 * beside this one act on them; none of them imports another's state.
 */

/** How the guest agent inside a fake domain behaves. */
export type FakeAgent = "running" | "absent" | "hung";

/** A fake domain: its state, its live and persistent devices, its guest agent, freeze state and snapshots. */
export interface FakeDomain {
  name: string;
  state: DomainState;
  live?: DomainDevices;
  persistent: DomainDevices;
  agent: FakeAgent;
  /** Filesystems the agent freezes (2 when unset, like the lab guest). */
  filesystems?: number;
  frozen?: boolean;
  snapshots?: FakeSnapshot[];
  currentSnapshot?: string;
  /** The persistent definition's memory (bytes; 512 MiB when unset) and vcpus (1 when unset). */
  memory?: number;
  vcpus?: number;
  /** The volume a domain frost defined uses as its disk (vda). */
  disk?: { pool: string; volume: string };
  /**
   * The path of the image vda writes to: the disk's volume, or the overlay of the newest snapshot
   * on it. Set when the domain is defined with a disk in an existing pool.
   */
  source?: string;
  /** libvirt's UUID (a new one when unset). */
  uuid?: string;
  /** frost's record in the domain's metadata (one for live and persistent: frost always writes the persistent one). */
  record?: FrostRecord;
  /** The guest's agent and files, for readiness and hook installs; the lab guest when unset. */
  guest?: FakeGuest;
  /**
   * A snapshot cut passes frost's deadline (the session dies) while libvirt's job goes on:
   * `completes` (it cuts all the same), `fails` (it never does).
   */
  cutTimesOut?: "completes" | "fails";
}

/** A snapshot as the fake keeps it: frost's record is its description, as in libvirt. */
export interface FakeSnapshot {
  name: string;
  /** ISO 8601 UTC, whole seconds (libvirt's creationTime). */
  createdAt: string;
  description?: string;
  /** The snapshot that was current when this one was taken. */
  parent?: string;
  /** The overlay it put on the domain's disk, when the domain has one (`FakeDomain.source`). */
  overlay?: SnapshotOverlay;
}

/** One file in a fake guest. */
export interface FakeGuestFile {
  content: Uint8Array;
  mode: number;
}

/**
 * The inside of a fake guest, as far as the agent's readiness and hook installs reach: qemu-ga's
 * version, the commands it forbids (`--block-rpcs`), the hook it was started with, and its files.
 * Unset on a FakeDomain: the lab guest (`labGuest()`).
 */
export interface FakeGuest {
  version: string;
  blocked: string[];
  agentHook: string | null;
  /** Absolute path -> file. Directories are implied by the files in them, plus `dirs`. */
  files: Record<string, FakeGuestFile>;
  dirs: string[];
}
