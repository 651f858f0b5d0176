import type { DeviceTarget } from "../../model.js";
import {
  HypervisorError,
  type AgentProbe,
  type DomainDevices,
  type DomainState,
  type Hypervisor,
  type ObserveOptions,
  type ObservedDomain,
  type ObservedHost,
} from "../types.js";

/** How the guest agent inside a fake domain behaves. */
export type FakeAgent = "running" | "absent" | "hung";

/** A fake domain: its state, its live and persistent devices, and its guest agent. */
export interface FakeDomain {
  name: string;
  state: DomainState;
  live?: DomainDevices;
  persistent: DomainDevices;
  agent: FakeAgent;
}

/**
 * An in-memory hypervisor for fast tests of planning and apply. Its behaviour follows libvirt 9
 * as frost uses it, and the contract suite runs the same cases against both:
 * - a live attach of the agent channel needs a running domain with a virtio-serial controller,
 *   else `internal error: no virtio-serial controllers are available`;
 * - a persistent attach adds a virtio-serial controller when there is none, as libvirt does;
 * - a second channel with the same name is refused;
 * - a live channel is `connected` while the guest agent runs, `disconnected` otherwise;
 * - guest-ping answers per the agent (`not connected`, `not available for now` when hung).
 * `calls` records every mutating call, for assertions; `failNext` injects one failure.
 */
export class FakeHypervisor implements Hypervisor {
  readonly calls: string[] = [];
  private readonly domains = new Map<string, FakeDomain>();
  private failures: { operation: string; message: string }[] = [];

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

  /** Makes the next call of `operation` fail with `message`. */
  failNext(operation: "attach" | "detach" | "observe", message: string): void {
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
      else if (live?.agentChannel?.state === "disconnected") agent = { status: "not-connected", message: "the agent channel is disconnected" };
      else if (live && options.ping) agent = await this.pingAgent(name);
      domains[name] = { name, state: d.state, persistent: structuredClone(d.persistent), agent, ...(live ? { live } : {}) };
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
      if (devices?.agentChannel) throw new HypervisorError("Requested operation is not valid: chardev already exists", "attach-device", domain);
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
      if (!d.persistent.agentChannel) throw new HypervisorError("invalid argument: device not present in domain configuration", "detach-device", domain);
      delete d.persistent.agentChannel;
    }
  }

  async pingAgent(domain: string): Promise<AgentProbe> {
    const d = this.find(domain);
    if (!d.live) return { status: "error", message: "Requested operation is not valid: domain is not running" };
    if (!d.live.agentChannel) return { status: "no-channel", message: "argument unsupported: QEMU guest agent is not configured" };
    if (d.agent === "absent") return { status: "not-connected", message: "Guest agent is not responding: QEMU guest agent is not connected" };
    if (d.agent === "hung") return { status: "timeout", message: "Guest agent is not responding: Guest agent not available for now" };
    return { status: "ok" };
  }

  private liveView(d: FakeDomain, live: DomainDevices): DomainDevices {
    const view = structuredClone(live);
    if (view.agentChannel) view.agentChannel.state = d.agent === "absent" ? "disconnected" : "connected";
    return view;
  }

  private find(name: string): FakeDomain {
    const d = this.domains.get(name);
    if (!d) throw new HypervisorError(`failed to get domain '${name}'`, "lookup", name);
    return d;
  }

  private maybeFail(operation: string, domain: string): void {
    const i = this.failures.findIndex((f) => f.operation === operation);
    if (i < 0) return;
    const [failure] = this.failures.splice(i, 1);
    throw new HypervisorError(failure?.message ?? "injected failure", operation, domain || undefined);
  }
}

function describe(target: DeviceTarget): string {
  return [target.live ? "live" : "", target.config ? "config" : ""].filter(Boolean).join("+");
}
