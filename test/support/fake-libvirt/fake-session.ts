import { encodeSnapshotMeta } from "../../../reconcile/providers/libvirt/snapshots/meta.js";
import {
  HypervisorError,
  type AgentProbe,
  type Discarded,
  type SnapshotMeta,
  type SnapshotSession,
} from "../../../reconcile/providers/libvirt/hypervisor.js";
import { fakeFsFreeze, FakeTimeout, type FakeHost } from "./fake-agent.js";
import { addSnapshot, findSnapshot } from "./fake-snapshots.js";

/**
 * The fake's snapshot session: the same rules as the libvirt one, in memory. A step that passes
 * its deadline (a hung agent) kills the session (`alive` false) and throws at once; a ping past
 * its deadline reports `timeout` and the session stays usable (the libvirt session reconnects).
 */
export class FakeSnapshotSession implements SnapshotSession {
  private open = true;
  /** The snapshot prepared in this session, while its overlays exist unused (`domain/name`). */
  private preparedKey: string | undefined;
  /** A cut was sent and frost stopped waiting before libvirt answered (`FakeDomain.cutTimesOut`). */
  private cutUnanswered = false;

  constructor(
    private readonly host: FakeHost,
    private readonly domain: string,
    private readonly ping$: (domain: string) => Promise<AgentProbe>,
  ) {}

  get alive(): boolean {
    return this.open;
  }

  /** Like libvirt's: a failure (an injected one too) is an `error` probe, not a throw; a dead session throws. */
  async ping(): Promise<AgentProbe> {
    try {
      this.step("ping", `ping ${this.domain}`);
    } catch (e) {
      if (!this.open) throw e;
      return { status: "error", message: (e as Error).message };
    }
    return this.ping$(this.domain);
  }

  /** Stands for the overlays as `host.prepared` entries; a second preparation in one session is refused, like libvirt's. */
  async prepare(name: string): Promise<void> {
    this.step("prepare", `prepare ${this.domain} ${name}`);
    const key = `${this.domain}/${name}`;
    if (this.preparedKey !== undefined) throw new HypervisorError(`a snapshot is prepared already in this session`, "prepare", this.domain);
    if ((this.host.find(this.domain).snapshots ?? []).some((s) => s.name === name) || this.host.prepared.has(key))
      throw new HypervisorError(`the overlays of snapshot ${name} exist already; frost never overwrites a file`, "prepare", this.domain);
    this.host.prepared.add(key);
    this.preparedKey = key;
  }

  async discard(): Promise<Discarded> {
    const key = this.preparedKey;
    if (key === undefined) return { left: [], pending: [] };
    this.preparedKey = undefined;
    if (this.cutUnanswered) {
      this.host.calls.push(`keep ${key}`);
      return { left: [`the prepared overlays of ${key} were kept: libvirt may still switch the domain onto them`], pending: [key] };
    }
    this.host.calls.push(`discard ${key}`);
    this.host.prepared.delete(key);
    return { left: [], pending: [] };
  }

  async freeze(timeoutMs: number): Promise<number> {
    this.step("freeze", `freeze ${this.domain}`);
    return this.guard(() => fakeFsFreeze(this.host.find(this.domain), "freeze", timeoutMs, "freeze"));
  }

  async createSnapshot(name: string, meta: SnapshotMeta, timeoutMs: number): Promise<void> {
    this.step("snapshot", `snapshot ${this.domain} ${name}`);
    const d = this.host.find(this.domain);
    if (d.cutTimesOut) {
      // frost's deadline passes; libvirt's job goes on, and with "completes" it does cut (later, in truth).
      this.open = false;
      this.cutUnanswered = true;
      if (d.cutTimesOut === "completes") {
        addSnapshot(d, { name, description: encodeSnapshotMeta(meta) });
        if (this.preparedKey !== undefined) this.host.prepared.delete(this.preparedKey);
      }
      throw new HypervisorError(
        `createSnapshot did not finish within ${timeoutMs} ms; the virsh session was killed`,
        "createSnapshot",
        this.domain,
      );
    }
    addSnapshot(d, { name, description: encodeSnapshotMeta(meta) });
    if (this.preparedKey === `${this.domain}/${name}`) {
      this.host.prepared.delete(this.preparedKey);
      this.preparedKey = undefined;
    }
  }

  async thaw(timeoutMs: number): Promise<number> {
    this.step("thaw", `thaw ${this.domain}`);
    return this.guard(() => fakeFsFreeze(this.host.find(this.domain), "thaw", timeoutMs, "thaw"));
  }

  async recordMeta(name: string, meta: SnapshotMeta): Promise<void> {
    this.step("recordMeta", `record-meta ${this.domain} ${name}`);
    const d = this.host.find(this.domain);
    findSnapshot(d, name, "recordMeta").description = encodeSnapshotMeta(meta);
    d.currentSnapshot = name;
  }

  async close(): Promise<void> {
    await this.discard();
    if (this.open) this.host.calls.push(`close ${this.domain}`);
    this.open = false;
  }

  private step(operation: "prepare" | "ping" | "freeze" | "snapshot" | "thaw" | "recordMeta", call: string): void {
    this.host.calls.push(call);
    if (!this.open) throw new HypervisorError("the virsh session is closed", operation, this.domain);
    this.host.maybeFail(operation, this.domain);
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof FakeTimeout) {
        this.open = false;
        throw new HypervisorError(`${e.message}; the virsh session was killed`, e.operation, this.domain);
      }
      throw e;
    }
  }
}
