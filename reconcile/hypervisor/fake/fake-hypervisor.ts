import type { DeviceTarget } from "../../model.js";
import { encodeSnapshotMeta } from "../../snapshots/meta.js";
import {
  HypervisorError,
  type AgentProbe,
  type DomainDevices,
  type DomainState,
  type Hypervisor,
  type ObserveOptions,
  type ObservedDomain,
  type ObservedHost,
  type SnapshotMeta,
  type SnapshotSession,
} from "../types.js";
import { fakeFsFreeze, FakeTimeout, type FakeHost, type FakeOperation } from "./fake-agent.js";
import { FakeSnapshotSession } from "./fake-session.js";
import { addSnapshot, deleteSnapshot, observeSnapshots, type FakeSnapshot } from "./fake-snapshots.js";

export type { FakeSnapshot } from "./fake-snapshots.js";

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
}

/**
 * An in-memory hypervisor for fast tests of planning and apply. Its behaviour follows libvirt 9
 * as frost uses it, and the contract suite runs the same cases against both:
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
 * - only snapshots with frost's name shape and record (description) are listed; others are counted in
 *   `foreignSnapshots`; deleteSnapshot refuses them; deleting the oldest of a chain merges it into
 *   the domain's own disk, as libvirt does; children move to its parent.
 * `calls` records every mutating call and session step, for assertions; `failNext` injects one failure.
 */
export class FakeHypervisor implements Hypervisor, FakeHost {
  readonly calls: string[] = [];
  private readonly domains = new Map<string, FakeDomain>();
  private failures: { operation: FakeOperation; message: string }[] = [];

  constructor(readonly uri = "test:///fake") {}

  /** Adds a domain; returns this, for chained scenario building. */
  withDomain(domain: Omit<FakeDomain, "agent"> & { agent?: FakeAgent }): this {
    this.domains.set(domain.name, structuredClone({ agent: "running", ...domain }));
    return this;
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
    return { uri: this.uri, names: [...this.domains.keys()], domains };
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

  async deleteSnapshot(domain: string, name: string): Promise<void> {
    this.calls.push(`delete ${domain} ${name}`);
    const d = this.find(domain);
    this.maybeFail("delete", domain);
    deleteSnapshot(d, name);
  }

  private liveView(d: FakeDomain, live: DomainDevices): DomainDevices {
    const view = structuredClone(live);
    if (view.agentChannel) view.agentChannel.state = d.agent === "absent" ? "disconnected" : "connected";
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
