import type { ComputeAccess } from "../../compute.js";
import type { Env, Provider } from "../../provider.js";
import { performOpenStackStep } from "./apply/perform.js";
import { openstackOf } from "./connection.js";
import { describeOpenStackStep } from "./describe.js";
import { openstackDestructions } from "./destructions.js";
import { observeOpenStack, type OpenStackFacts } from "./observe.js";
import { serverAddress } from "./plan/addresses.js";
import { onDemandSnapshotStep } from "./plan/on-demand.js";
import { planOpenStackHost } from "./plan/plan-host.js";
import { acceptedReason } from "./plan/unchecked-quiesce.js";
import { openstackStatus } from "./status.js";
import { isOpenStackStep, type OpenStackStep } from "./steps-model.js";

/**
 * OpenStack hosts (kind: openstack): a cloud's Glance images, Nova servers and their snapshots
 * through createImage, with a compute host's libvirt (`compute`: the libvirt provider's, wired by
 * the registry) where frost reaches it, to check the agent first. See provider.ts for the seam.
 */
export function openstackProvider(compute: (uri: string, env: Env) => ComputeAccess): Provider {
  return {
    kind: "openstack",
    instanceAddress: "server",
    imageAddresses: true,
    owns: isOpenStackStep,
    async observe(host, desired, env, options) {
      const { cloud, computeFor } = openstackOf(host, env, compute);
      return observeOpenStack(host, desired, cloud, {
        ping: options.ping,
        computeFor,
        ...(options.pingTimeoutMs !== undefined ? { pingTimeoutMs: options.pingTimeoutMs } : {}),
      });
    },
    plan: (host, desired, facts, context) => planOpenStackHost(host, desired, facts as OpenStackFacts, context),
    async perform(host, step, options) {
      const { cloud, computeFor } = openstackOf(host, options.env, compute);
      return performOpenStackStep(
        host.name,
        step as OpenStackStep,
        { cloudFor: () => cloud, computeFor, waits: { ...options.waits, ...(options.env.timers ? { timers: options.env.timers } : {}) } },
        options.env.clock,
      );
    },
    describeStep: (step) => describeOpenStackStep(step as OpenStackStep),
    destructions: (steps) => openstackDestructions(steps as OpenStackStep[]),
    // Each OpenStack step checks what it relied on against the cloud itself before acting: a saved plan records nothing for it.
    touches: () => [],
    factsOf: () => ({}),
    reobserve: async () => ({}),
    status: (host, desired, facts) => openstackStatus(host, desired, facts as OpenStackFacts),
    snapshotNow(host, instance, facts, request, reason) {
      const nova = onDemandSnapshotStep(host, instance, facts as OpenStackFacts, request);
      if ("diagnostic" in nova) return nova;
      return {
        change: {
          host: host.name,
          address: serverAddress(instance.name),
          action: "snapshot",
          before: {},
          after: { snapshot: request.name },
          reason: nova.accepted !== undefined ? acceptedReason(reason, nova.accepted) : reason,
          steps: [nova.step],
          notes: [],
        },
      };
    },
    // No thawNow: a server's freeze is Nova's to make and to undo; frost never freezes one itself.
  };
}
