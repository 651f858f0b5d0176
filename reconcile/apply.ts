import type { Hypervisor } from "./hypervisor/types.js";
import type { Change, Plan, Step } from "./model.js";

/** The outcome of one change: done, or failed with the hypervisor's words. */
export type ChangeOutcome = { ok: true; elapsedMs: number } | { ok: false; error: string; elapsedMs: number };

/**
 * Progress of an apply, reported as it happens. The terminal spinner is one implementation, plain
 * lines another, a recording hook in tests a third. Hooks never change what apply does.
 */
export interface ApplyHooks {
  preApply(change: Change): void;
  postApply(change: Change, outcome: ChangeOutcome): void;
}

/** What an apply did, change by change, in plan order. */
export interface ApplyResult {
  outcomes: { change: Change; outcome: ChangeOutcome }[];
  failed: number;
}

/**
 * Performs a plan's steps. Hosts are applied in parallel, the changes of one host in plan order.
 * A failed change is reported and does not stop the changes to other instances: each is
 * independent, and the next plan shows what is still to do.
 */
export async function applyPlan(plan: Plan, hypervisorFor: (host: string) => Hypervisor, hooks: ApplyHooks): Promise<ApplyResult> {
  if (plan.errored) throw new Error("an errored plan cannot be applied");
  const byHost = new Map<string, Change[]>();
  for (const change of plan.changes) byHost.set(change.host, [...(byHost.get(change.host) ?? []), change]);

  const results = new Map<Change, ChangeOutcome>();
  await Promise.all(
    [...byHost].map(async ([host, changes]) => {
      const hypervisor = hypervisorFor(host);
      for (const change of changes) {
        hooks.preApply(change);
        const outcome = await applyChange(hypervisor, change);
        results.set(change, outcome);
        hooks.postApply(change, outcome);
      }
    }),
  );
  const outcomes = plan.changes.map((change) => ({ change, outcome: results.get(change) as ChangeOutcome }));
  return { outcomes, failed: outcomes.filter((o) => !o.outcome.ok).length };
}

async function applyChange(hypervisor: Hypervisor, change: Change): Promise<ChangeOutcome> {
  const started = performance.now();
  try {
    for (const step of change.steps) await performStep(hypervisor, step);
    return { ok: true, elapsedMs: performance.now() - started };
  } catch (e) {
    return { ok: false, error: (e as Error).message, elapsedMs: performance.now() - started };
  }
}

/** One step, through the hypervisor. */
export async function performStep(hypervisor: Hypervisor, step: Step): Promise<void> {
  switch (step.kind) {
    case "attach-agent-channel":
      return hypervisor.attachAgentChannel(step.domain, step.target);
    case "detach-agent-channel":
      return hypervisor.detachAgentChannel(step.domain, step.target, step.alias);
  }
}
