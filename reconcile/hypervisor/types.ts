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
