import type { DesiredState } from "../config/types.js";
import type { Diagnostic } from "../diagnostics.js";
import type { Plan } from "../model.js";
import { providerFor } from "../providers/registry.js";

/** `--target` / `--exclude`: addresses to keep or to leave out of a plan. Both empty: everything. */
export interface TargetOptions {
  targets: readonly string[];
  excludes: readonly string[];
}

/**
 * Every address the configuration can give a change: `host.NAME`, each instance as its host's
 * provider addresses it (`instance.NAME`; `server.NAME` on OpenStack) and, where a provider gives
 * images addresses of their own (OpenStack), `image.NAME`.
 */
export function knownAddresses(desired: DesiredState): string[] {
  const imageAddresses = Object.values(desired.hosts).some((h) => providerFor(h.kind).imageAddresses);
  return [
    ...Object.keys(desired.hosts).map((h) => `host.${h}`),
    ...Object.values(desired.instances).map((i) => {
      const host = desired.hosts[i.host];
      return `${host ? providerFor(host.kind).instanceAddress : "instance"}.${i.name}`;
    }),
    ...(imageAddresses ? Object.keys(desired.images).map((i) => `image.${i}`) : []),
  ];
}

/** Errors for targets that name nothing in the configuration, so a typo never silently plans nothing. */
export function checkTargets(desired: DesiredState, options: TargetOptions): Diagnostic[] {
  const known = new Set(knownAddresses(desired));
  return [...options.targets, ...options.excludes]
    .filter((a) => !known.has(a))
    .map((a) => ({
      severity: "error" as const,
      code: "plan.unknown-target",
      summary: `--target/--exclude ${a} names nothing in the configuration`,
      detail: `Addresses are host.NAME, instance.NAME, server.NAME or image.NAME; known: ${knownAddresses(desired).join(", ") || "none"}`,
      source: "user" as const,
    }));
}

/**
 * Keeps the changes (and remarks and kept snapshots) whose address is targeted and not excluded.
 * An instance's address covers everything done to it: its channel, hooks, snapshots, prunes, thaws,
 * and the pool and image its creation requires.
 */
export function targetPlan(plan: Plan, options: TargetOptions): Plan {
  if (options.targets.length === 0 && options.excludes.length === 0) return plan;
  const keep = (address: string): boolean =>
    (options.targets.length === 0 || options.targets.includes(address)) && !options.excludes.includes(address);
  // What a targeted change requires (its pool, its image) comes along: it cannot be done without.
  const required = new Set(plan.changes.filter((c) => keep(c.address)).flatMap((c) => c.requires ?? []));
  const changes = plan.changes.filter((c) => keep(c.address) || required.has(c.address));
  return {
    ...plan,
    changes,
    drift: plan.drift.filter((c) => keep(c.address)),
    remarks: plan.remarks.filter((r) => keep(r.address)),
    kept: plan.kept.filter((k) => keep(k.address)),
    applyable: !plan.errored && changes.length > 0,
  };
}
