import type { Provider } from "../../provider.js";
import { hypervisorOf, computeAccess } from "./connection.js";
import { describeLibvirtStep } from "./describe.js";
import { adoptDomains } from "./import.js";
import { libvirtDestructions } from "./destructions.js";
import type { LibvirtFacts } from "./facts.js";
import { observeLibvirtHost, journalFacts } from "./observe-host.js";
import { snapshotDomainNow, thawDomainNow } from "./on-demand.js";
import { performStep } from "./perform.js";
import { planLibvirtHost } from "./plan-host.js";
import { factsOfDomain } from "./saved-facts.js";
import { recoverFreezes, settlePendingOverlays } from "./snapshots/recovery.js";
import { libvirtStatus } from "./status.js";
import { stepDomains } from "./step-domains.js";
import { isLibvirtStep, type LibvirtStep } from "./steps.js";

/**
 * Libvirt hosts (kind: libvirt): QEMU/KVM domains reached through libvirt — their agent channel,
 * fsfreeze hooks, snapshots taken while frozen, images and instances frost creates, the host's
 * AppArmor rule. See provider.ts for the seam.
 */
export const libvirtProvider: Provider & { computeAccess: typeof computeAccess } = {
  kind: "libvirt",
  instanceAddress: "instance",
  imageAddresses: false,
  owns: isLibvirtStep,
  identity: (host, env) => hypervisorOf(host, env).hostUuid(),
  async settle(host, env, options) {
    const hv = hypervisorOf(host, env);
    const notices = await recoverFreezes(hv, env.journal, {
      thawMs: 10_000,
      lockless: options.lockless,
      ...(env.timers ? { timers: env.timers } : {}),
      ...(options.exclude ? { exclude: options.exclude } : {}),
    });
    // Overlays are settled only under the lock: settling may delete a snapshot.
    if (!options.lockless) notices.push(...(await settlePendingOverlays(hv, env.journal)));
    return notices;
  },
  observe: (host, desired, env, options) => observeLibvirtHost(host, desired, hypervisorOf(host, env), env, options),
  plan: (host, desired, facts, context) => planLibvirtHost(host, desired, facts as LibvirtFacts, context),
  perform: (host, step, options) => performStep(hypervisorOf(host, options.env), step as LibvirtStep, options),
  describeStep: (step) => describeLibvirtStep(step as LibvirtStep),
  destructions: (steps) => libvirtDestructions(steps as LibvirtStep[]),
  touches: (step) => stepDomains(step as LibvirtStep),
  factsOf: (facts, object) => ({ ...factsOfDomain(facts as LibvirtFacts, object) }),
  async reobserve(host, objects, env) {
    const hv = hypervisorOf(host, env);
    const observed = await hv.observe({ domains: objects, ping: true });
    return { host: observed, journal: await journalFacts(hv, env.journal) } satisfies LibvirtFacts;
  },
  status: (host, desired, facts) => libvirtStatus(host, desired, facts as LibvirtFacts),
  snapshotNow: (host, instance, facts, request, reason) => snapshotDomainNow(host, instance, facts as LibvirtFacts, request, reason),
  thawNow: (host, instance, facts) => thawDomainNow(host, instance, facts as LibvirtFacts),
  async adopt(host, env, names, declared) {
    const observed = await hypervisorOf(host, env).observe({ ping: false, ...(names.length > 0 ? { domains: names } : {}) });
    const missing = names.filter((n) => !observed.domains[n]);
    return missing.length > 0 ? { missing } : { result: adoptDomains(observed, { declared }) };
  },
  computeAccess,
};
