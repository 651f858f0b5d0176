import type { QuiescePolicy } from "../../config/types.js";
import type { AgentProbe } from "../../guest-agent.js";
import type { FrostRecord } from "./frost-record.js";

/** Where a domain change lands: the running domain (`live`), its persistent definition (`config`), or both. */
export interface DeviceTarget {
  live: boolean;
  config: boolean;
}

/** The name libvirt and QEMU give the guest agent's virtio-serial port. */
export const AGENT_CHANNEL_NAME = "org.qemu.guest_agent.0";

/** A domain's power state as libvirt reports it, folded to what frost decides on. */
export type DomainState = "running" | "paused" | "shutoff" | "other";

/** The agent channel as one domain definition has it. `state` exists only on a running domain's live XML. */
export interface AgentChannel {
  alias?: string;
  state?: "connected" | "disconnected";
}

/**
 * One image a disk reads: a file (or block device) by its path, or a volume of a storage pool (a
 * disk of `type='volume'`). What frost compares against a volume to tell whether a domain uses it.
 */
export type DiskLayer = { file: string } | { pool: string; volume: string };

/**
 * One disk of a domain definition: its target (`vda`) and the images it reads, the one the guest
 * writes first, then the backing chain below it as far as the definition lists it
 * (`<backingStore>`). A running domain's live XML lists the whole chain. A persistent definition
 * lists only what libvirt recorded there: the overlays of external snapshots and the images below
 * them, never the backing file of the image the disk was defined with.
 */
export interface DiskUse {
  target: string;
  layers: DiskLayer[];
}

/** The devices frost cares about in one domain definition (live or persistent). */
export interface DomainDevices {
  virtioSerialController: boolean;
  agentChannel?: AgentChannel;
  /** The disks, with their backing chains: read from the live definition only (the persistent one's are in `DomainDefinition.disks`). */
  disks?: DiskUse[];
}

export type { AgentProbe } from "../../guest-agent.js";

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

/**
 * The overlay an external snapshot put on one disk: taking it made `overlay` the image the disk
 * writes to, on top of `below` (the image the disk wrote to until then). Deleting the snapshot
 * commits `overlay` back into `below`.
 */
export interface SnapshotOverlay {
  target: string;
  overlay: string;
  below: string;
}

/** One snapshot of a domain. `meta` is present only on snapshots frost took; frost never touches the others. */
export interface ObservedSnapshot {
  name: string;
  /** libvirt's creation time, ISO 8601 UTC. */
  createdAt: string;
  meta?: SnapshotMeta;
  /** The overlays it put on the domain's disks (file disks whose images libvirt names), when there are any. */
  overlays?: SnapshotOverlay[];
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
  /** frost's snapshots of this domain (oldest first). */
  snapshots: ObservedSnapshot[];
  /** The names of the others, which frost never touches (parents before children), so that frost never takes one of them. */
  foreignSnapshots: string[];
  /** What could not be read about this domain (a snapshot, a listing), as sentences; frost goes on with what it read. */
  problems?: string[];
  /** What frost compares across runs, from the persistent definition (absent when there is none). */
  definition?: DomainDefinition;
}

/**
 * What frost compares across runs in one domain definition: memory (bytes), vcpus, and frost's
 * record of what it last applied (absent on domains frost never acted on); and what tells whether
 * the domain is the one frost defined and which volumes it uses: its UUID and its disks.
 */
export interface DomainDefinition {
  memory?: number;
  vcpus?: number;
  record?: FrostRecord;
  /** libvirt's UUID of the domain. */
  uuid?: string;
  /** The persistent definition's disks, with the backing chains it records (see DiskUse). */
  disks?: DiskUse[];
  /** The running domain's disks with their backing chains, where they were asked for (`observeDefinitions`' `live`). */
  liveDisks?: DiskUse[];
}

/** Everything observed on one host. A domain that does not exist is absent from `domains`. */
export interface ObservedHost {
  uri: string;
  /** Every domain on the host, read in detail or not. */
  names: string[];
  /** The power state of every domain on the host (from the listing), where the hypervisor gives it. */
  states?: Record<string, DomainState>;
  /** The domains read in detail. */
  domains: Record<string, ObservedDomain>;
  /**
   * Domains asked for that libvirt lists but would not let frost read, with its words: each is
   * reported at its own address and nothing is planned for it; the others are observed as usual.
   */
  unreadable?: Record<string, string>;
}

/**
 * A storage pool as observed: whether it runs, its directory (dir pools), the names of its
 * volumes, and what libvirt listed that could not be read back to a name (as it printed it).
 */
export interface ObservedPool {
  name: string;
  active: boolean;
  path?: string;
  volumes: string[];
  unreadable?: string[];
}

/**
 * A domain frost creates, as data (the hypervisor writes the XML): libvirt domain `type`, memory
 * (bytes), vcpus, one qcow2 disk (a volume of `pool`), a virtio-serial controller always (so a
 * channel can be hot-plugged later), the agent channel when `agentChannel`, a serial console
 * (a pty), direct kernel boot when `boot` is set, no network, and frost's record in `<metadata>`.
 */
export interface DomainSpec {
  name: string;
  /** The UUID frost gives the domain, recorded in `record.uuid`: how frost tells it from a domain defined from a copy of its XML. */
  uuid: string;
  type: "kvm" | "qemu";
  memory: number;
  vcpus: number;
  disk: { pool: string; volume: string };
  agentChannel: boolean;
  boot?: { kernel: string; initrd?: string; cmdline?: string };
  record: FrostRecord;
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

/** The stock fsfreeze hook qemu-ga runs (`--fsfreeze-hook`), and the directory of scripts it runs in turn. */
export const FSFREEZE_HOOK_PATH = "/etc/qemu/fsfreeze-hook";
export const FSFREEZE_HOOK_DIR = "/etc/qemu/fsfreeze-hook.d";

/**
 * What the guest agent lets frost do, from guest-info's `enabled` flags (qemu-ga's `--block-rpcs`,
 * or `--allow-rpcs` from QEMU 8, turn them off). `fileRead` is guest-file-open + read + close,
 * `fileWrite` guest-file-open + write + close, `exec` guest-exec + guest-exec-status, `fsfreeze`
 * guest-fsfreeze-freeze + thaw. `disabled` lists every command guest-info reports disabled (and those frost
 * needs that it does not list).
 */
export interface AgentCapabilities {
  fsfreeze: boolean;
  fileRead: boolean;
  fileWrite: boolean;
  exec: boolean;
  disabled: string[];
}

/** One script in the guest's fsfreeze-hook.d. `sha256` is of its content; `executable` is unknown (absent) without guest-exec. */
export interface GuestHookScript {
  name: string;
  sha256: string;
  executable?: boolean;
}

/**
 * The guest's fsfreeze hook. `status`: `/etc/qemu/fsfreeze-hook` is there (`present`), is not
 * (`absent`), or could not be read (`unknown`, `reason` says why). `scripts` are read through
 * guest-exec (`via: "exec"`: the whole directory, sorted by name) or, without exec, by opening the
 * scripts asked for (`via: "file"`: only those, where present). `agentHook` is the hook path qemu-ga
 * was started with (`--fsfreeze-hook`, or `fsfreeze-hook=` in qemu-ga.conf); `null` when it runs
 * without one (then no script runs at a freeze); absent when frost could not tell (no exec).
 */
export interface GuestHookFacts {
  status: "present" | "absent" | "unknown";
  reason?: string;
  via?: "exec" | "file";
  scripts?: GuestHookScript[];
  /** True when fsfreeze-hook.d exists (known only through exec, or when a script in it was found). */
  directory?: boolean;
  agentHook?: string | null;
}

/**
 * How ready a guest's agent is for consistent snapshots, as `agentReadiness` reads it. `status`:
 * guest-info answered (`ok`), did not within the deadline (`timeout`), or failed (`error`, with
 * libvirt's words in `message`). While the guest is frozen qemu-ga disables most commands, so
 * `capabilities` and `hook` are then absent. `problems` says what could not be read and why.
 */
export interface AgentReadiness {
  status: "ok" | "timeout" | "error";
  message?: string;
  version?: string;
  freeze?: "frozen" | "thawed";
  capabilities?: AgentCapabilities;
  hook?: GuestHookFacts;
  problems: string[];
}

/** Options of one readiness check. */
export interface ReadinessOptions {
  /** Budget of the whole check: every virsh call gets what is left of it, and is killed past it. */
  timeoutMs: number;
  /** Hook scripts to read by name when guest-exec is disabled and the directory cannot be listed. */
  hooks?: readonly string[];
}

/** A hook script to install into fsfreeze-hook.d. `sha256` is of `content`; `chmod` runs `chmod 755` through guest-exec. */
export interface HookInstall {
  name: string;
  content: Uint8Array;
  sha256: string;
  chmod: boolean;
}

/** What an install did: the digest read back from the guest, whether the script is executable (unknown without exec), and what the user should hear. */
export interface HookInstalled {
  sha256: string;
  executable?: boolean;
  warnings: string[];
}

/**
 * The hypervisor frost acts on. The real implementation talks to libvirt; the fake keeps domains
 * in memory and follows the same rules (see the contract suite). Every method either does what
 * it says or throws a `HypervisorError` carrying libvirt's message; none leaves partial work
 * it does not report.
 */
export interface Hypervisor {
  readonly uri: string;
  /**
   * The host's identity as libvirt reports it (the host UUID of its capabilities), read once per
   * run; undefined when it reports none. One host reached by two URIs has one identity: locks and
   * the freeze journal are keyed on it.
   */
  hostUuid(): Promise<string | undefined>;
  observe(options: ObserveOptions): Promise<ObservedHost>;
  attachAgentChannel(domain: string, target: DeviceTarget): Promise<void>;
  detachAgentChannel(domain: string, target: DeviceTarget, alias?: string): Promise<void>;
  /**
   * Stores frost's record in the domain's `<metadata>` under frost's namespace, replacing the one
   * there: in the persistent definition (`target.config`) and in the running domain (`target.live`).
   */
  writeRecord(domain: string, record: FrostRecord, target: DeviceTarget): Promise<void>;
  /**
   * Memory, vcpus, frost's record, UUID and disks of each domain's persistent definition, and the
   * live disks (with their backing chains) of those also named in `options.live` (running domains);
   * domains not found are left out.
   */
  observeDefinitions(domains: readonly string[], options?: { live?: readonly string[] }): Promise<Record<string, DomainDefinition>>;
  /** The storage pool named `pool`, or undefined when there is none. */
  observePool(pool: string): Promise<ObservedPool | undefined>;
  /** Defines a directory pool at `path`, builds (creates the directory), starts and autostarts it. */
  createPool(pool: string, path: string): Promise<void>;
  /**
   * Creates volume `volume` of `bytes` bytes and streams the file `source` into it (never whole in
   * memory). A volume of that name is refused; on a failed upload the new volume is deleted.
   */
  uploadVolume(pool: string, volume: string, source: string, bytes: number): Promise<void>;
  /** Creates a qcow2 volume of `capacity` bytes whose backing file is the volume `backing` (never written). */
  createOverlay(pool: string, volume: string, backing: { volume: string; format: "raw" | "qcow2" }, capacity: number): Promise<void>;
  /**
   * Deletes a volume, unless a domain uses it at that moment (a disk of its persistent definition,
   * or of its live one with the backing chain): that is refused, naming the domain. A plan may be
   * older than the host.
   */
  deleteVolume(pool: string, volume: string): Promise<void>;
  /** Creates the empty marker of a create in progress of `volume` (see create-marker.ts); one already there is kept. */
  markCreating(pool: string, volume: string): Promise<void>;
  /** Removes the marker of a create of `volume`, when there is one. */
  unmarkCreating(pool: string, volume: string): Promise<void>;
  /** Defines (persistently) a new domain; a domain of that name is refused. */
  defineDomain(spec: DomainSpec): Promise<void>;
  startDomain(domain: string): Promise<void>;
  /** Stops a running domain: a guest shutdown awaited up to `graceMs`, then a hard stop; `graceMs` 0 stops it at once. */
  stopDomain(domain: string, graceMs: number): Promise<void>;
  /** Removes a shut-off domain's definition (and libvirt's snapshot metadata); its disks stay. */
  undefineDomain(domain: string): Promise<void>;
  /** Sets memory (bytes) and/or vcpus in the persistent definition (effective at the next start). */
  setResources(domain: string, resources: { memory?: number; vcpus?: number }): Promise<void>;
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
  /**
   * Settles overlay files a snapshot cut of `domain` left pending (see `SnapshotSession.discard`):
   * removes them only once libvirt has no job running on the domain, no snapshot `snapshot` exists
   * and no definition of the domain (live or persistent) names them.
   */
  settleOverlays(domain: string, snapshot: string, files: readonly string[]): Promise<OverlaySettlement>;
  /**
   * Reads the agent's readiness of a running domain whose agent answered guest-ping: guest-info
   * (version, enabled commands), guest-fsfreeze-status and the guest's fsfreeze hook and scripts.
   * Never throws for the agent's failures: they are in the result. Bounded by `options.timeoutMs`.
   */
  agentReadiness(domain: string, options: ReadinessOptions): Promise<AgentReadiness>;
  /**
   * Writes `hook` to `/etc/qemu/fsfreeze-hook.d/<name>` through the agent's file commands, makes
   * it executable where guest-exec is allowed (`hook.chmod`), and checks the digest read back.
   * Throws a HypervisorError saying which command the agent refused.
   */
  installFsfreezeHook(domain: string, hook: HookInstall, timeoutMs: number): Promise<HookInstalled>;
}

/**
 * One snapshot in the making, over one connection. Each call has a hard deadline of frost's own;
 * a call that passes it kills the session (`alive` turns false) and throws, and the caller thaws
 * through `Hypervisor.thaw` instead. The session never thaws by itself: the caller owns the thaw.
 */
export interface SnapshotSession {
  readonly alive: boolean;
  ping(timeoutMs: number): Promise<AgentProbe>;
  /**
   * Everything of snapshot `name` that can happen before the freeze: its XML (with `meta`; a cut
   * with other meta only rewrites the description) and, on a local host, its overlay files (qcow2
   * over each disk's current image, `<disk base>.<name>` next to it, owner and mode of that image),
   * so that the cut only switches to them (`--reuse-external`). On a remote host, or for disks that
   * are not local files, nothing is created and libvirt creates the overlays at the cut. A file
   * already at an overlay's path is never overwritten: the preparation fails. On failure, what it
   * created is removed before it throws.
   */
  prepare(name: string, meta: SnapshotMeta, timeoutMs: number): Promise<void>;
  /**
   * Removes the overlay files `prepare` created, when no snapshot was cut with them; only those.
   * After a cut libvirt answered with an error, only once libvirt shows the domain does not use
   * them. After a cut whose end frost did not see (its deadline passed, its virsh died), libvirt's
   * job may still finish and switch the guest onto them: they are never removed then, and are
   * returned as `pending`, for the caller to record and a later run to settle
   * (`Hypervisor.settleOverlays`). Never throws: `left` says what was left behind, and why.
   * `close` discards as well; call it first to hear about what was left.
   */
  discard(timeoutMs: number): Promise<Discarded>;
  /** guest-fsfreeze-freeze of every filesystem; returns how many were frozen. */
  freeze(timeoutMs: number): Promise<number>;
  /** A disk-only, atomic, external snapshot of every disk, with `meta` in its description (onto the prepared overlays, when `name` was prepared). */
  createSnapshot(name: string, meta: SnapshotMeta, timeoutMs: number): Promise<void>;
  /** guest-fsfreeze-thaw; returns how many filesystems were thawed. */
  thaw(timeoutMs: number): Promise<number>;
  /** Rewrites the snapshot's recorded metadata (after the thaw, to add the freeze window). */
  recordMeta(name: string, meta: SnapshotMeta, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** What `SnapshotSession.discard` left behind: messages for the user, and files libvirt may still use. */
export interface Discarded {
  left: string[];
  pending: string[];
}

/**
 * How a later run found overlays a cut left pending: libvirt still `busy` on the domain (keep them,
 * look again next run); `removed` (libvirt is done, nothing uses them, they were unlinked); the
 * cut did finish after all (`snapshot`: they are the snapshot's now); or `in-use` by the domain
 * without a snapshot of that name (kept, `why` says more).
 */
export type OverlaySettlement =
  { status: "busy"; why: string } | { status: "removed" } | { status: "snapshot" } | { status: "in-use"; why: string };

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
