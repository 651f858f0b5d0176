import type { LibvirtFacts } from "../../reconcile/providers/libvirt/facts.js";
import type { DesiredState, InstanceSpec, ScheduleSpec } from "../../reconcile/config/types.js";
import type { DomainDevices, ObservedDomain, ObservedSnapshot } from "../../reconcile/providers/libvirt/hypervisor.js";
import type { HostObservation } from "../../reconcile/plan/plan.js";
import type { JournalFact } from "../../reconcile/providers/libvirt/plan/thaw.js";

const pos = { file: "frost.yaml", line: 1, col: 1 };

/** Builds a DesiredState for one host named `default`, one instance at a time. */
export class DesiredBuilder {
  private readonly state: DesiredState = {
    files: ["frost.yaml"],
    hosts: {
      default: {
        name: "default",
        kind: "libvirt",
        uri: "test:///fake",
        pool: "default",
        domainType: "kvm",
        apparmor: { manage: "auto", abstraction: "/etc/apparmor.d/abstractions/libvirt-qemu", rules: ["/var/lib/libvirt/qemu/*.sock rw,"] },
        compute: {},
        pos,
      },
    },
    images: {},
    instances: {},
    schedules: {},
  };

  /** An adopted domain, with `agent` as given (undefined leaves the channel unmanaged). */
  adopt(name: string, agent: boolean | undefined, extra: Partial<InstanceSpec> = {}): this {
    this.state.instances[name] = {
      name,
      host: "default",
      adopt: true,
      protect: false,
      fsfreezeHooks: {},
      pos: { ...pos, line: 10 + Object.keys(this.state.instances).length },
      ...(agent !== undefined ? { agent } : {}),
      ...extra,
    };
    return this;
  }

  /** An image with the given agent property. */
  image(name: string, agent: boolean): this {
    this.state.images[name] = {
      name,
      source: `/images/${name}.qcow2`,
      format: "qcow2",
      properties: { hw_qemu_guest_agent: agent ? "yes" : "no" },
      agent,
      requireQuiesce: false,
      fsfreezeHooks: {},
      pos,
    };
    return this;
  }

  /** A schedule over the given instances (or all). */
  schedule(name: string, instances: string[] | "all", extra: Partial<ScheduleSpec> = {}): this {
    this.state.schedules[name] = {
      name,
      instances,
      cron: "0 2 * * *",
      timezone: "UTC",
      keep: {},
      paused: false,
      pos: { ...pos, line: 40 },
      ...extra,
    };
    return this;
  }

  /** Marks an image as requiring quiesce (os_require_quiesce). */
  requireQuiesce(image: string): this {
    const spec = this.state.images[image];
    if (spec) spec.requireQuiesce = true;
    return this;
  }

  build(): DesiredState {
    return structuredClone(this.state);
  }
}

/** Devices shorthand: `devices({ controller: true, channel: true })`. */
export function devices(o: { controller?: boolean; channel?: boolean; connected?: boolean }): DomainDevices {
  return {
    virtioSerialController: o.controller ?? false,
    ...(o.channel
      ? { agentChannel: o.connected === undefined ? {} : { alias: "channel0", state: o.connected ? "connected" : "disconnected" } }
      : {}),
  };
}

/** An observed running domain. */
export function running(name: string, live: DomainDevices, persistent: DomainDevices = live): ObservedDomain {
  return {
    name,
    state: "running",
    live,
    persistent,
    agent: { status: live.agentChannel ? "ok" : "no-channel" },
    snapshots: [],
    foreignSnapshots: [],
  };
}

/** An observed shut-off domain. */
export function shutoff(name: string, persistent: DomainDevices): ObservedDomain {
  return { name, state: "shutoff", persistent, agent: { status: "not-checked" }, snapshots: [], foreignSnapshots: [] };
}

/** A snapshot frost took for `schedule` at the tick `scheduledAt` (ISO), filesystem-consistent. */
export function frostSnapshot(schedule: string | undefined, scheduledAt: string): ObservedSnapshot {
  const compact = scheduledAt.replace(/[-:]/g, "").slice(0, 13) + "Z";
  return {
    name: `${schedule ?? "ondemand"}-${compact}`,
    createdAt: scheduledAt,
    meta: {
      ...(schedule ? { schedule, scheduledAt } : {}),
      takenAt: scheduledAt,
      consistency: "filesystem",
      quiesce: "required",
      frozenFilesystems: 2,
      freezeWindowMs: 120,
      frostVersion: "0.1.0",
    },
  };
}

/** One observed host named `default` holding `domains`, with frost's freeze journal entries. */
export function observedHost(domains: ObservedDomain[], journal: JournalFact[] = []): Record<string, HostObservation> {
  return {
    default: {
      status: "observed",
      facts: {
        host: { uri: "test:///fake", names: domains.map((d) => d.name), domains: Object.fromEntries(domains.map((d) => [d.name, d])) },
        journal,
      } satisfies LibvirtFacts,
    },
  };
}
