import { randomUUID } from "node:crypto";
import { creatingMarker } from "../../../reconcile/providers/libvirt/create-marker.js";
import { inUseMessage, volumePath, volumeUsers, type DomainDiskUse } from "../../../reconcile/providers/libvirt/disk-use.js";
import { interruptedUpload, uploadMarker } from "../../../reconcile/providers/libvirt/upload-marker.js";
import type { FrostRecord } from "../../../reconcile/providers/libvirt/frost-record.js";
import { encodeSnapshotMeta } from "../../../reconcile/providers/libvirt/snapshots/meta.js";
import {
  type DeviceTarget,
  HypervisorError,
  type AgentProbe,
  type DomainDefinition,
  type DomainSpec,
  type ObservedPool,
  type AgentReadiness,
  type DomainDevices,
  type HookInstall,
  type HookInstalled,
  type DiskUse,
  type DomainState,
  type Hypervisor,
  type ObserveOptions,
  type ObservedDomain,
  type ObservedHost,
  type OverlaySettlement,
  type ReadinessOptions,
  type SnapshotMeta,
  type SnapshotSession,
} from "../../../reconcile/providers/libvirt/hypervisor.js";
import { fakeFsFreeze, FakeTimeout, type FakeHost, type FakeOperation } from "./fake-agent.js";
import type { FakeAgent, FakeDomain } from "./fake-domain.js";
import { fakeInstallHook, fakeReadiness } from "./fake-guest.js";
import { FakeSnapshotSession } from "./fake-session.js";
import { FakeStorage } from "./fake-storage.js";
import { addSnapshot, deleteSnapshot, observeSnapshots } from "./fake-snapshots.js";

export type { FakeAgent, FakeDomain, FakeGuest, FakeGuestFile, FakeSnapshot } from "./fake-domain.js";
export { labGuest } from "./fake-guest.js";

/**
 * An in-memory hypervisor for fast tests of planning and apply. Its behaviour follows libvirt 9
 * as frost uses it, and the contract suite runs the same cases against both:
 * - a domain's disk (vda) is a volume of a pool; its persistent definition names the image on top
 *   (the volume, or a snapshot's overlay) and the images below the snapshots' overlays down to the
 *   volume, as libvirt records them; its live one also the volumes that volume is backed by; a volume
 *   any domain's definitions name in this way is not deleted (`... uses it`), as frost's libvirt
 *   driver refuses;
 * - `define` of a UUID another domain has is refused; a rename needs a shut-off domain;
 * - a live attach of the agent channel needs a running domain with a virtio-serial controller,
 *   else `internal error: no virtio-serial controllers are available`;
 * - a persistent attach adds a virtio-serial controller when there is none, as libvirt does;
 * - a second channel with the same name is refused;
 * - a live channel is `connected` while the guest agent runs, `disconnected` otherwise;
 * - guest-ping answers per the agent (`not connected`, `not available for now` when hung), and
 *   still answers while the guest is frozen; guest-fsfreeze-status is observed where it answered;
 * - freeze/thaw (session or `thaw`) fail with libvirt's words when the domain is not running, has
 *   no channel or no agent; a second freeze fails (`... the agent is in frozen state`); a thaw of
 *   a thawed guest returns 0; a hung agent makes them pass their deadline at once (the session
 *   is then dead: `alive` false) and changes nothing;
 * - snapshots are external, disk-only, of running or shut-off domains (libvirt allows both), each
 *   with the previously current one as parent; a name taken is refused (`... already exists`);
 *   `recordMeta` rewrites the description and keeps it current;
 * - a session's ping past its deadline says `timeout` and leaves the session usable;
 * - only snapshots with frost's name shape and record (description) are listed; the others are named
 *   in `foreignSnapshots`, whatever their names (quotes, spaces, line breaks); deleteSnapshot refuses them; deleting the oldest of a chain merges it into
 *   the domain's own disk, as libvirt does; children move to its parent.
 * - agentReadiness and installFsfreezeHook follow the guest (`FakeDomain.guest`, the lab guest
 *   by default): commands it blocks are refused with qemu-ga's words, everything but guest-info
 *   is refused while frozen, guest-exec lists the hook directory and chmods, guest-file-* alone
 *   reads only the scripts asked for and installs without the executable bit (see fake-guest.ts);
 * `calls` records every mutating call and session step, for assertions; `failNext` injects one failure.
 */
export class FakeHypervisor implements Hypervisor, FakeHost {
  readonly calls: string[] = [];
  /** Prepared overlays that exist and no snapshot uses, as `domain/snapshot` (see FakeSnapshotSession.prepare). */
  readonly prepared = new Set<string>();
  private readonly domains = new Map<string, FakeDomain>();
  private failures: { operation: FakeOperation; message: string }[] = [];

  constructor(
    readonly uri = "test:///fake",
    /** The host UUID libvirt would report (two fakes with one UUID are one host reached by two URIs). */
    private readonly uuid: string | undefined = "00000000-0000-4000-8000-00000000fa4e",
  ) {}

  async hostUuid(): Promise<string | undefined> {
    return this.uuid;
  }

  /** Adds a domain (its disk, when given, in an existing pool); returns this, for chained scenario building. */
  withDomain(domain: Omit<FakeDomain, "agent"> & { agent?: FakeAgent }): this {
    const source = domain.disk ? volumePath(this.storage.pools.get(domain.disk.pool)?.path, domain.disk.volume) : undefined;
    this.domains.set(
      domain.name,
      structuredClone({ agent: "running", uuid: randomUUID(), ...(source !== undefined ? { source } : {}), ...domain }),
    );
    return this;
  }

  /** Like `virsh domrename`: a shut-off domain takes another name (its UUID, disks and metadata stay). */
  renameDomain(from: string, to: string): void {
    const d = this.find(from);
    if (d.live) throw new HypervisorError("Requested operation is not valid: cannot rename active domain", "domrename", from);
    if (this.domains.has(to)) throw new HypervisorError(`operation failed: domain with name '${to}' already exists`, "domrename", from);
    this.domains.delete(from);
    this.domains.set(to, { ...d, name: to });
  }

  /**
   * Like `virsh define` of `virsh dumpxml --inactive FROM` under the name `to` without its UUID:
   * a shut-off domain with the same disks and metadata (frost's record too), a new UUID, no snapshots.
   */
  defineCopy(from: string, to: string): void {
    const d = structuredClone(this.find(from));
    if (this.domains.has(to)) throw new HypervisorError(`operation failed: domain '${to}' already exists`, "define", to);
    delete d.live;
    delete d.snapshots;
    delete d.currentSnapshot;
    this.domains.set(to, { ...d, name: to, state: "shutoff", uuid: randomUUID(), frozen: false });
  }

  /** The stored domain, for assertions. */
  domain(name: string): FakeDomain | undefined {
    return this.domains.get(name);
  }

  /**
   * Adds a snapshot to a domain (`meta` makes it frost's; without, it is foreign unless its
   * `description` decodes), as the newest, child of the current one; returns this.
   */
  withSnapshot(domain: string, snapshot: { name: string; meta?: SnapshotMeta; description?: string; createdAt?: string }): this {
    const description = snapshot.meta ? encodeSnapshotMeta(snapshot.meta) : snapshot.description;
    addSnapshot(this.find(domain), {
      name: snapshot.name,
      ...(description !== undefined ? { description } : {}),
      ...(snapshot.createdAt ? { createdAt: snapshot.createdAt } : {}),
    });
    return this;
  }

  /** Makes the next call of `operation` fail with `message`. */
  failNext(operation: FakeOperation, message: string): void {
    this.failures.push({ operation, message });
  }

  async observe(options: ObserveOptions): Promise<ObservedHost> {
    this.maybeFail("observe", "");
    const wanted = options.domains ?? [...this.domains.keys()];
    const domains: Record<string, ObservedDomain> = {};
    for (const name of wanted) {
      const d = this.domains.get(name);
      if (!d) continue;
      const live = d.live ? this.liveView(d, d.live) : undefined;
      let agent: AgentProbe = { status: "not-checked" };
      if (live && !live.agentChannel) agent = { status: "no-channel" };
      else if (live?.agentChannel?.state === "disconnected")
        agent = { status: "not-connected", message: "the agent channel is disconnected" };
      else if (live && options.ping) agent = await this.pingAgent(name);
      const freeze = agent.status === "ok" ? { freeze: d.frozen ? ("frozen" as const) : ("thawed" as const) } : {};
      domains[name] = {
        name,
        state: d.state,
        persistent: structuredClone(d.persistent),
        agent,
        ...(live ? { live } : {}),
        ...freeze,
        ...observeSnapshots(d),
      };
    }
    const states = Object.fromEntries([...this.domains.values()].map((d) => [d.name, d.state]));
    return { uri: this.uri, names: [...this.domains.keys()], states, domains };
  }

  async attachAgentChannel(domain: string, target: DeviceTarget): Promise<void> {
    this.calls.push(`attach ${domain} ${describe(target)}`);
    const d = this.find(domain);
    this.maybeFail("attach", domain);
    if (target.live) {
      if (!d.live) throw new HypervisorError("Requested operation is not valid: domain is not running", "attach-device", domain);
      if (!d.live.virtioSerialController) {
        throw new HypervisorError("internal error: no virtio-serial controllers are available", "attach-device", domain);
      }
    }
    for (const devices of [target.live ? d.live : undefined, target.config ? d.persistent : undefined]) {
      if (devices?.agentChannel)
        throw new HypervisorError("Requested operation is not valid: chardev already exists", "attach-device", domain);
    }
    if (target.live && d.live) d.live.agentChannel = { alias: "channel0" };
    if (target.config) d.persistent = { virtioSerialController: true, agentChannel: {} };
  }

  async detachAgentChannel(domain: string, target: DeviceTarget, alias?: string): Promise<void> {
    this.calls.push(`detach ${domain} ${describe(target)}`);
    const d = this.find(domain);
    this.maybeFail("detach", domain);
    if (target.live) {
      if (!d.live?.agentChannel || d.live.agentChannel.alias !== alias) {
        throw new HypervisorError(`device not found: no device found with alias ${alias}`, "detach-device-alias", domain);
      }
      delete d.live.agentChannel;
    }
    if (target.config) {
      if (!d.persistent.agentChannel)
        throw new HypervisorError("invalid argument: device not present in domain configuration", "detach-device", domain);
      delete d.persistent.agentChannel;
    }
  }

  async pingAgent(domain: string): Promise<AgentProbe> {
    const d = this.find(domain);
    if (!d.live) return { status: "error", message: "Requested operation is not valid: domain is not running" };
    if (!d.live.agentChannel) return { status: "no-channel", message: "argument unsupported: QEMU guest agent is not configured" };
    if (d.agent === "absent")
      return { status: "not-connected", message: "Guest agent is not responding: QEMU guest agent is not connected" };
    if (d.agent === "hung") return { status: "timeout", message: "Guest agent is not responding: Guest agent not available for now" };
    return { status: "ok" };
  }

  async openSnapshotSession(domain: string): Promise<SnapshotSession> {
    this.calls.push(`open ${domain}`);
    this.find(domain);
    this.maybeFail("open", domain);
    return new FakeSnapshotSession(this, domain, (name) => this.pingAgent(name));
  }

  /** Settles pending overlays (`domain/snapshot` keys in the fake): the snapshot's when it was cut, else removed. */
  async settleOverlays(domain: string, snapshot: string, files: readonly string[]): Promise<OverlaySettlement> {
    this.calls.push(`settle ${domain} ${snapshot}`);
    const d = this.domains.get(domain);
    if (d?.snapshots?.some((s) => s.name === snapshot)) return { status: "snapshot" };
    for (const f of files) this.prepared.delete(f);
    return { status: "removed" };
  }

  async thaw(domain: string, timeoutMs: number): Promise<number> {
    this.calls.push(`thaw-recovery ${domain}`);
    const d = this.find(domain);
    this.maybeFail("thaw", domain);
    try {
      return fakeFsFreeze(d, "thaw", timeoutMs, "domfsthaw");
    } catch (e) {
      if (e instanceof FakeTimeout)
        throw new HypervisorError(`virsh domfsthaw did not finish within ${Math.round(timeoutMs / 1000)} s`, "domfsthaw", domain);
      throw e;
    }
  }

  async observeDefinitions(
    domains: readonly string[],
    options: { live?: readonly string[] } = {},
  ): Promise<Record<string, DomainDefinition>> {
    const definitions: Record<string, DomainDefinition> = {};
    for (const name of domains) {
      const d = this.domains.get(name);
      if (!d) continue;
      const live = options.live?.includes(name) && d.live ? { liveDisks: this.liveDisks(d) } : {};
      definitions[name] = {
        memory: d.memory ?? 512 * 1024 ** 2,
        vcpus: d.vcpus ?? 1,
        ...(d.record ? { record: structuredClone(d.record) } : {}),
        ...(d.uuid !== undefined ? { uuid: d.uuid } : {}),
        ...(d.source !== undefined ? { disks: this.persistentDisks(d) } : {}),
        ...live,
      };
    }
    return definitions;
  }

  /** The persistent definition's disk: the image on top, and the images below the snapshots' overlays (down to the disk's volume). */
  private persistentDisks(d: FakeDomain): DiskUse[] {
    if (d.source === undefined) return [];
    const files = [d.source];
    for (let below = this.below(d, d.source); below !== undefined; below = this.below(d, below)) files.push(below);
    return [{ target: "vda", layers: files.map((file) => ({ file })) }];
  }

  /** The live definition's disk: as the persistent one, then the volumes the disk's volume is backed by. */
  private liveDisks(d: FakeDomain): DiskUse[] {
    const [disk] = this.persistentDisks(d);
    if (!disk || !d.disk) return disk ? [disk] : [];
    const pool = this.storage.pools.get(d.disk.pool);
    const layers = [...disk.layers];
    for (let volume = pool?.volumes.get(d.disk.volume); volume?.backing; volume = pool?.volumes.get(volume.backing.volume)) {
      const path = volumePath(pool?.path, volume.backing.volume);
      if (path !== undefined) layers.push({ file: path });
    }
    return [{ target: "vda", layers }];
  }

  /** The image below `file` when `file` is the overlay of one of the domain's snapshots. */
  private below(d: FakeDomain, file: string): string | undefined {
    return d.snapshots?.find((s) => s.overlay?.overlay === file)?.overlay?.below;
  }

  /** What every domain uses, as libvirt's definitions show it (see the class comment). */
  private diskUses(): DomainDiskUse[] {
    return [...this.domains.values()].map((d) => ({
      name: d.name,
      persistent: this.persistentDisks(d),
      ...(d.live ? { live: this.liveDisks(d) } : {}),
    }));
  }

  /** Pools and volumes (see fake-storage.ts for libvirt's rules it follows). */
  readonly storage = new FakeStorage();

  async observePool(pool: string): Promise<ObservedPool | undefined> {
    this.maybeFail("observe", "");
    return this.storage.observe(pool);
  }

  async createPool(pool: string, path: string): Promise<void> {
    this.calls.push(`create-pool ${pool}`);
    this.maybeFail("pool", "");
    this.storage.createPool(pool, path);
  }

  async uploadVolume(pool: string, volume: string, source: string, bytes: number): Promise<void> {
    this.calls.push(`upload ${pool}/${volume}`);
    const present = [...(this.storage.pools.get(pool)?.volumes.keys() ?? [])];
    if (interruptedUpload(present, volume)) {
      if (present.includes(volume)) this.storage.deleteVolume(pool, volume);
      this.storage.deleteVolume(pool, uploadMarker(volume));
    }
    this.storage.addVolume(pool, volume, { bytes, source }, "vol-create-as");
    try {
      this.maybeFail("upload", "");
    } catch (e) {
      this.storage.deleteVolume(pool, volume);
      throw e;
    }
  }

  async createOverlay(pool: string, volume: string, backing: { volume: string; format: "raw" | "qcow2" }, capacity: number): Promise<void> {
    this.calls.push(`overlay ${pool}/${volume}`);
    this.maybeFail("overlay", "");
    this.storage.addVolume(pool, volume, { bytes: capacity, backing }, "vol-create-as");
  }

  /** Refused, naming the domain, while a domain's definitions name the volume (see the class comment). */
  async deleteVolume(pool: string, volume: string): Promise<void> {
    this.calls.push(`delete-volume ${pool}/${volume}`);
    this.maybeFail("delete-volume", "");
    this.storage.volume(pool, volume, "vol-delete");
    const ref = { pool, volume, path: volumePath(this.storage.pools.get(pool)?.path, volume) };
    const users = volumeUsers(this.diskUses(), ref);
    if (users.length > 0) throw new HypervisorError(inUseMessage(ref, users), "vol-delete", users[0]?.domain);
    this.storage.deleteVolume(pool, volume);
  }

  async markCreating(pool: string, volume: string): Promise<void> {
    this.calls.push(`mark-creating ${pool}/${volume}`);
    if (!this.storage.pools.get(pool)?.volumes.has(creatingMarker(volume)))
      this.storage.addVolume(pool, creatingMarker(volume), { bytes: 0 }, "vol-create-as");
  }

  async unmarkCreating(pool: string, volume: string): Promise<void> {
    this.calls.push(`unmark-creating ${pool}/${volume}`);
    if (this.storage.pools.get(pool)?.volumes.has(creatingMarker(volume))) this.storage.deleteVolume(pool, creatingMarker(volume));
  }

  /** Like `define` of frost's generated XML: a shut-off domain with a virtio-serial controller, its record, its disk (which must exist). */
  async defineDomain(spec: DomainSpec): Promise<void> {
    this.calls.push(`define ${spec.name}`);
    if (this.domains.has(spec.name))
      throw new HypervisorError(`operation failed: domain '${spec.name}' already exists`, "define", spec.name);
    const other = [...this.domains.values()].find((d) => d.uuid === spec.uuid);
    if (other)
      throw new HypervisorError(`operation failed: domain '${other.name}' already exists with uuid ${spec.uuid}`, "define", spec.name);
    this.storage.volume(spec.disk.pool, spec.disk.volume, "vol-path");
    this.maybeFail("define", spec.name);
    const source = volumePath(this.storage.pools.get(spec.disk.pool)?.path, spec.disk.volume);
    this.domains.set(spec.name, {
      name: spec.name,
      state: "shutoff",
      persistent: { virtioSerialController: true, ...(spec.agentChannel ? { agentChannel: {} } : {}) },
      agent: "running",
      memory: spec.memory,
      vcpus: spec.vcpus,
      record: structuredClone(spec.record),
      disk: { ...spec.disk },
      uuid: spec.uuid,
      ...(source !== undefined ? { source } : {}),
    });
  }

  async startDomain(domain: string): Promise<void> {
    this.calls.push(`start ${domain}`);
    const d = this.find(domain);
    this.maybeFail("start", domain);
    if (d.live) throw new HypervisorError("Requested operation is not valid: Domain is already active", "start", domain);
    const live = structuredClone(d.persistent);
    if (live.agentChannel) live.agentChannel = { alias: "channel0" };
    d.live = live;
    d.state = "running";
  }

  async stopDomain(domain: string): Promise<void> {
    this.calls.push(`stop ${domain}`);
    const d = this.find(domain);
    this.maybeFail("stop", domain);
    delete d.live;
    d.state = "shutoff";
    d.frozen = false;
  }

  async undefineDomain(domain: string): Promise<void> {
    this.calls.push(`undefine ${domain}`);
    this.find(domain);
    this.maybeFail("undefine", domain);
    this.domains.delete(domain);
  }

  async setResources(domain: string, resources: { memory?: number; vcpus?: number }): Promise<void> {
    this.calls.push(`resources ${domain}`);
    const d = this.find(domain);
    this.maybeFail("resources", domain);
    if (resources.memory !== undefined) d.memory = resources.memory;
    if (resources.vcpus !== undefined) d.vcpus = resources.vcpus;
  }

  /** Like `virsh metadata --set`: `--live` needs a running domain. */
  async writeRecord(domain: string, record: FrostRecord, target: DeviceTarget): Promise<void> {
    this.calls.push(`record ${domain} ${describe(target)}`);
    const d = this.find(domain);
    this.maybeFail("record", domain);
    if (target.live && !d.live) throw new HypervisorError("Requested operation is not valid: domain is not running", "metadata", domain);
    d.record = structuredClone(record);
  }

  async deleteSnapshot(domain: string, name: string): Promise<void> {
    this.calls.push(`delete ${domain} ${name}`);
    const d = this.find(domain);
    this.maybeFail("delete", domain);
    deleteSnapshot(d, name);
  }

  async agentReadiness(domain: string, options: ReadinessOptions): Promise<AgentReadiness> {
    return fakeReadiness(this.find(domain), options);
  }

  async installFsfreezeHook(domain: string, hook: HookInstall, timeoutMs: number): Promise<HookInstalled> {
    this.calls.push(`install-hook ${domain} ${hook.name}${hook.chmod ? " +chmod" : ""}`);
    return fakeInstallHook(this.find(domain), hook, timeoutMs);
  }

  private liveView(d: FakeDomain, live: DomainDevices): DomainDevices {
    const view = structuredClone(live);
    if (view.agentChannel) view.agentChannel.state = d.agent === "absent" ? "disconnected" : "connected";
    if (d.source !== undefined) view.disks = this.liveDisks(d);
    return view;
  }

  find(name: string): FakeDomain {
    const d = this.domains.get(name);
    if (!d) throw new HypervisorError(`failed to get domain '${name}'`, "lookup", name);
    return d;
  }

  maybeFail(operation: FakeOperation, domain: string): void {
    const i = this.failures.findIndex((f) => f.operation === operation);
    if (i < 0) return;
    const [failure] = this.failures.splice(i, 1);
    throw new HypervisorError(failure?.message ?? "injected failure", operation, domain || undefined);
  }
}

function describe(target: DeviceTarget): string {
  return [target.live ? "live" : "", target.config ? "config" : ""].filter(Boolean).join("+");
}
