import type { InstanceSpec } from "../../../config/types.js";
import type { DeviceTarget, ObservedDomain } from "../hypervisor.js";
import { instanceAddress, type Remark } from "../../../model.js";
import type { LibvirtChange } from "../steps.js";
import type { LibvirtStep as Step } from "../steps.js";

/** What planning one instance's agent channel gave: a change, a remark, both or neither. */
export interface ChannelPlan {
  change?: LibvirtChange;
  remark?: Remark;
}

const RESTART_NOTE =
  "takes effect at the next full stop and start of the domain: libvirt cannot hot-plug a virtio-serial controller, and this running domain has none";

/** Where the channel is now: in the running domain (null when shut off) and in the persistent definition. */
function channelFacts(domain: ObservedDomain): { live: boolean | null; persistent: boolean } {
  return {
    live: domain.live ? domain.live.agentChannel !== undefined : null,
    persistent: domain.persistent?.agentChannel !== undefined,
  };
}

/**
 * Plans the agent channel of one existing domain. Hot-plugs where libvirt can (a running domain
 * with a virtio-serial controller), otherwise changes the persistent definition and says when it
 * takes effect. Pure: decides from the observation alone.
 */
export function planAgentChannel(host: string, instance: InstanceSpec, want: boolean, domain: ObservedDomain): ChannelPlan {
  const address = instanceAddress(instance.name);
  const before = channelFacts(domain);
  const change = (target: DeviceTarget, step: Step, reason: string, notes: string[] = []): LibvirtChange => ({
    host,
    address,
    action: "update",
    before: { agentChannel: before },
    after: {
      agentChannel: {
        live: before.live === null ? null : target.live ? want : before.live,
        persistent: target.config ? want : before.persistent,
      },
    },
    reason,
    steps: [step],
    notes,
  });
  const remark = (message: string): Remark => ({ host, address, message });

  if (want) {
    const live = domain.live;
    if (live === undefined) {
      if (before.persistent) return {};
      const target = { live: false, config: true };
      return {
        change: change(
          target,
          { kind: "attach-agent-channel", domain: domain.name, target },
          "add the guest-agent channel (domain is shut off)",
        ),
      };
    }
    if (live.agentChannel) {
      const health = agentRemark(domain, remark);
      if (before.persistent) return health;
      const target = { live: false, config: true };
      return {
        ...health,
        change: change(
          target,
          { kind: "attach-agent-channel", domain: domain.name, target },
          "keep the guest-agent channel after a restart (add it to the persistent definition)",
        ),
      };
    }
    if (live.virtioSerialController) {
      const target = { live: true, config: !before.persistent };
      const where = target.config ? "hot-plug and persistent definition" : "hot-plug";
      return {
        change: change(target, { kind: "attach-agent-channel", domain: domain.name, target }, `add the guest-agent channel (${where})`),
      };
    }
    if (before.persistent) return { remark: remark(`the guest-agent channel is in the persistent definition; it ${RESTART_NOTE}`) };
    const target = { live: false, config: true };
    return {
      change: change(
        target,
        { kind: "attach-agent-channel", domain: domain.name, target },
        "add the guest-agent channel to the persistent definition",
        [`restart needed: the channel ${RESTART_NOTE}`],
      ),
    };
  }

  const liveAlias = domain.live?.agentChannel?.alias;
  const inLive = before.live === true;
  if (!inLive && !before.persistent) return {};
  const target = { live: inLive, config: before.persistent };
  const where =
    inLive && before.persistent ? "running domain and persistent definition" : inLive ? "running domain" : "persistent definition";
  return {
    change: change(
      target,
      { kind: "detach-agent-channel", domain: domain.name, target, ...(liveAlias ? { alias: liveAlias } : {}) },
      `remove the guest-agent channel (${where})`,
    ),
  };
}

/** A remark when a domain has its channel but the agent behind it does not answer. */
function agentRemark(domain: ObservedDomain, remark: (m: string) => Remark): ChannelPlan {
  const { status, message } = domain.agent;
  if (status === "ok" || status === "not-checked") return {};
  const what: Record<string, string> = {
    "not-connected": "no agent is connected to the channel (is qemu-guest-agent installed and running in the guest?)",
    timeout: "the agent did not answer guest-ping in time (hung agent?)",
    error: "guest-ping failed",
    "no-channel": "the channel is missing",
  };
  return { remark: remark(`${what[status] ?? status}${message ? `: ${message}` : ""}`) };
}
