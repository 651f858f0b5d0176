import type { QuiescePolicy } from "../config/types.js";
import type { DeviceTarget } from "../model.js";

/** The name libvirt and QEMU give the guest agent's virtio-serial port. */
export const AGENT_CHANNEL_NAME = "org.qemu.guest_agent.0";

/** A domain's power state as libvirt reports it, folded to what frost decides on. */
export type DomainState = "running" | "paused" | "shutoff" | "other";

/** The agent channel as one domain definition has it. `state` exists only on a running domain's live XML. */
export interface AgentChannel {
  alias?: string;
  state?: "connected" | "disconnected";
}

/** The devices frost cares about in one domain definition (live or persistent). */
export interface DomainDevices {
  virtioSerialController: boolean;
  agentChannel?: AgentChannel;
}

/**
 * What a guest-ping said: `ok`; `no-channel` (nothing to ask); `not-connected` (channel there, no
 * agent on the other end); `timeout` (asked, no answer within the deadline: a hung agent);
 * `error` (any other failure, with libvirt's message); `not-checked` (domain not running).
 */
export interface AgentProbe {
  status: "ok" | "no-channel" | "not-connected" | "timeout" | "error" | "not-checked";
  message?: string;
  elapsedMs?: number;
}

/**
 * frost's record of a snapshot it took, kept in the snapshot's own description (`frost:v1 {json}`)
 * so that the hypervisor is the record: no private state file. `scheduledAt` is the cron tick a
 * scheduled snapshot stands for; on-demand snapshots have no schedule. `freezeWindowMs` is measured
 * by frost from the freeze request to the thaw answer; absent for crash-consistent snapshots.
 */
export interface SnapshotMeta {
  schedule?: string;
  scheduledAt?: string;
  takenAt: string;
  consistency: "filesystem" | "crash";
  quiesce: QuiescePolicy;
  frozenFilesystems: number;
  freezeWindowMs?: number;
  frostVersion: string;
}

/** One snapshot of a domain. `meta` is present only on snapshots frost took; frost never touches the others. */
export interface ObservedSnapshot {
  name: string;
  /** libvirt's creation time, ISO 8601 UTC. */
  createdAt: string;
  meta?: SnapshotMeta;
}

/**
 * One domain as observed. `live` is present only when the domain is active; `persistent` only
 * when it has a persistent definition. The hypervisor is the source of truth: this is rebuilt on
 * every observation and never cached across runs.
 */
export interface ObservedDomain {
  name: string;
  state: DomainState;
  live?: DomainDevices;
  persistent?: DomainDevices;
  agent: AgentProbe;
  /** guest-fsfreeze-status, read only where the agent answered guest-ping. */
  freeze?: "frozen" | "thawed";
  /** frost's snapshots of this domain (oldest first), and how many others there are. */
  snapshots: ObservedSnapshot[];
  foreignSnapshots: number;
}

/** Everything observed on one host. A domain that does not exist is absent from `domains`. */
export interface ObservedHost {
  uri: string;
  /** Every domain on the host, read in detail or not. */
  names: string[];
  /** The domains read in detail. */
  domains: Record<string, ObservedDomain>;
}

/** Options of one observation. */
export interface ObserveOptions {
  /** Only these domains are read in detail (others are listed only); all when unset. */
  domains?: readonly string[];
  /** Send guest-ping to running domains that have a connected channel. */
  ping: boolean;
  /** Deadline of one guest-ping, whatever libvirt does. */
  pingTimeoutMs?: number;
}

/**
 * The hypervisor frost acts on. The real implementation talks to libvirt; the fake keeps domains
 * in memory and follows the same rules (see the contract suite). Every method either does what
 * it says or throws a `HypervisorError` carrying libvirt's message; none leaves partial work
 * it does not report.
 */
export interface Hypervisor {
  readonly uri: string;
  observe(options: ObserveOptions): Promise<ObservedHost>;
  attachAgentChannel(domain: string, target: DeviceTarget): Promise<void>;
  detachAgentChannel(domain: string, target: DeviceTarget, alias?: string): Promise<void>;
  pingAgent(domain: string, timeoutMs: number): Promise<AgentProbe>;
  /**
   * Opens a connected session for taking one snapshot of `domain`. Everything slow (connecting,
   * listing disks, writing files) happens here, before any freeze, so that only the snapshot cut
   * happens while the guest is frozen.
   */
  openSnapshotSession(domain: string): Promise<SnapshotSession>;
  /** Thaws the guest's filesystems over a fresh connection (recovery); returns how many were thawed. */
  thaw(domain: string, timeoutMs: number): Promise<number>;
  /**
   * Deletes one external snapshot the libvirt way (its overlay merged into its parent and removed).
   * Never commits into the bottom of a backing chain.
   */
  deleteSnapshot(domain: string, name: string): Promise<void>;
}

/**
 * One snapshot in the making, over one connection. Each call has a hard deadline of frost's own;
 * a call that passes it kills the session (`alive` turns false) and throws, and the caller thaws
 * through `Hypervisor.thaw` instead. The session never thaws by itself: the caller owns the thaw.
 */
export interface SnapshotSession {
  readonly alive: boolean;
  ping(timeoutMs: number): Promise<AgentProbe>;
  /** guest-fsfreeze-freeze of every filesystem; returns how many were frozen. */
  freeze(timeoutMs: number): Promise<number>;
  /** A disk-only, atomic, external snapshot of every disk, with `meta` in its description. */
  createSnapshot(name: string, meta: SnapshotMeta, timeoutMs: number): Promise<void>;
  /** guest-fsfreeze-thaw; returns how many filesystems were thawed. */
  thaw(timeoutMs: number): Promise<number>;
  /** Rewrites the snapshot's recorded metadata (after the thaw, to add the freeze window). */
  recordMeta(name: string, meta: SnapshotMeta, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** A failure reported by the hypervisor, with its own words in `message`. */
export class HypervisorError extends Error {
  constructor(
    message: string,
    readonly operation: string,
    readonly domain?: string,
  ) {
    super(message);
    this.name = "HypervisorError";
  }
}
