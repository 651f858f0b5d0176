import type { Change, Plan } from "./model.js";
import { mapBounded } from "./pool.js";
import type { PerformOptions } from "./provider.js";
import { providerOfStep } from "./providers/registry.js";

/**
 * The outcome of one change: done (with remarks for the user, e.g. a crash-consistent fallback),
 * failed with the hypervisor's words (`stillFrozen`: the guest it could not thaw), or skipped (an earlier change of the same instance failed,
 * or the run was interrupted before it started).
 */
export type ChangeOutcome =
  | { status: "done"; elapsedMs: number; detail?: string; warnings: string[] }
  | { status: "failed"; elapsedMs: number; error: string; stillFrozen?: string }
  | { status: "skipped"; elapsedMs: 0; reason: string };

/**
 * Progress of an apply, reported as it happens. The terminal spinner is one implementation, plain
 * lines another, a recording hook in tests a third. Hooks never change what apply does.
 */
export interface ApplyHooks {
  preApply(change: Change): void;
  postApply(change: Change, outcome: ChangeOutcome): void;
}

/**
 * What applying needs besides the plan: the run's environment and what each step may need (see
 * PerformOptions: an interrupt — no change starts after it, a change in flight finishes its thaw —,
 * deadlines, waits), and how many instances of one host are worked on at once (so: at most this
 * many guests frozen).
 */
export interface ApplyOptions extends PerformOptions {
  parallelism?: number;
}

/** What an apply did, change by change, in plan order; `stillFrozen`: guests it could not thaw. */
export interface ApplyResult {
  outcomes: { change: Change; outcome: ChangeOutcome }[];
  failed: number;
  skipped: number;
  stillFrozen: string[];
}

/**
 * Performs a plan. Hosts are applied in parallel; on one host, instances are worked on with
 * bounded parallelism, and the changes of one instance in plan order (thaw, channel, hooks,
 * snapshot, prunes). When a change fails, the later changes of that instance are skipped (a prune must not
 * run when the snapshot before it failed); other instances go on. Changes that others require
 * (`Change.requires`: a pool, an image) run first, and a change whose requirement failed is skipped.
 */
export async function applyPlan(plan: Plan, hooks: ApplyHooks, options: ApplyOptions): Promise<ApplyResult> {
  if (plan.errored) throw new Error("an errored plan cannot be applied");
  const groups = new Map<string, Map<string, Change[]>>();
  for (const change of plan.changes) {
    const byInstance = groups.get(change.host) ?? new Map<string, Change[]>();
    byInstance.set(change.address, [...(byInstance.get(change.address) ?? []), change]);
    groups.set(change.host, byInstance);
  }

  const results = new Map<Change, ChangeOutcome>();
  await Promise.all(
    [...groups].map(async ([host, byInstance]) => {
      const uri = plan.hosts.find((h) => h.name === host)?.uri ?? "";
      // What other changes require (a pool, an image) goes first, one address at a time; a change
      // whose requirement did not succeed is skipped.
      const required = new Set([...byInstance.values()].flat().flatMap((c) => c.requires ?? []));
      const unmet = (change: Change): string | undefined => {
        const failed = (change.requires ?? []).find((a) => (byInstance.get(a) ?? []).some((c) => results.get(c)?.status !== "done"));
        return failed !== undefined ? `skipped: ${failed} did not succeed` : undefined;
      };
      const runGroup = async (changes: Change[]) => {
        let blocked: string | undefined;
        for (const change of changes) {
          if (options.signal?.aborted) blocked = "interrupted before it started";
          blocked ??= unmet(change);
          if (blocked) {
            const outcome: ChangeOutcome = { status: "skipped", elapsedMs: 0, reason: blocked };
            results.set(change, outcome);
            hooks.postApply(change, outcome);
            continue;
          }
          hooks.preApply(change);
          const outcome = await applyChange(uri, change, options);
          results.set(change, outcome);
          hooks.postApply(change, outcome);
          if (outcome.status === "failed") blocked = `skipped: ${change.address} failed before it`;
        }
      };
      for (const [address, changes] of byInstance) if (required.has(address)) await runGroup(changes);
      await mapBounded(
        [...byInstance].filter(([address]) => !required.has(address)).map(([, changes]) => changes),
        options.parallelism ?? 2,
        runGroup,
      );
    }),
  );
  const outcomes = plan.changes.map((change) => ({ change, outcome: results.get(change) as ChangeOutcome }));
  return {
    outcomes,
    failed: outcomes.filter((o) => o.outcome.status === "failed").length,
    skipped: outcomes.filter((o) => o.outcome.status === "skipped").length,
    stillFrozen: outcomes.flatMap(({ outcome }) => (outcome.status === "failed" && outcome.stillFrozen ? [outcome.stillFrozen] : [])),
  };
}

async function applyChange(uri: string, change: Change, options: ApplyOptions): Promise<ChangeOutcome> {
  const started = performance.now();
  try {
    let detail: string | undefined;
    const warnings: string[] = [];
    for (const step of change.steps) {
      const provider = providerOfStep(step);
      if (!provider) throw new Error(`step ${JSON.stringify(step.kind)} is not one frost knows; nothing of it was done`);
      const result = await provider.perform({ name: change.host, uri, kind: provider.kind }, step, options);
      if (result?.detail) detail = result.detail;
      warnings.push(...(result?.warnings ?? []));
    }
    return { status: "done", elapsedMs: performance.now() - started, warnings, ...(detail ? { detail } : {}) };
  } catch (e) {
    // A step that could not thaw a guest it froze says which (`stillFrozen`), so that the run can name it.
    const stillFrozen = (e as { stillFrozen?: unknown }).stillFrozen;
    return {
      status: "failed",
      elapsedMs: performance.now() - started,
      error: (e as Error).message,
      ...(typeof stillFrozen === "string" ? { stillFrozen } : {}),
    };
  }
}
