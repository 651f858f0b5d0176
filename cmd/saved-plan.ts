import { unrecordedSteps } from "../reconcile/plan-file/facts.js";
import { planFileHosts, recheckSavedPlan, thawedBy } from "../reconcile/plan-file/recheck.js";
import { readPlanFile } from "../reconcile/plan-file/plan-file.js";
import { parsePositive, parseTimeSpan } from "./args.js";
import type { CommandDeps } from "./deps.js";
import { ExitError, EXIT } from "./exit-codes.js";
import { withHostLocks } from "./locking.js";
import { describeStep } from "../reconcile/plan/describe-steps.js";
import { renderPlanText } from "./render/plan-text.js";
import { runApply } from "./run-apply.js";
import { destructiveRefusal } from "../reconcile/plan/destructive.js";

/**
 * `frost apply PLANFILE`: refuses a file whose digest does not match, a step on a domain the file
 * records no facts about, and destruction without its flag, before contacting any host; then, under
 * the host locks, re-observes exactly the domains the plan touches and applies the saved plan only
 * when every fact it relied on still holds.
 */
export async function applySavedPlan(
  path: string,
  argv: string[],
  values: {
    parallelism?: string | undefined;
    "lock-timeout"?: string | undefined;
    "allow-destroy"?: boolean;
    "allow-replace"?: boolean;
    "allow-rebuild"?: boolean;
  },
  deps: CommandDeps,
): Promise<number> {
  const file = await readPlanFile(path);
  if (file.plan.errored) throw new ExitError(EXIT.ERROR, `${path} holds a plan with errors; it cannot be applied`);
  const unrecorded = unrecordedSteps(file.plan, file.facts);
  if (unrecorded.length > 0) {
    const which = unrecorded.map((u) => `"${describeStep(u.step)}" (${u.address}) acts on domain ${u.domain} on host ${u.host}`);
    throw new ExitError(
      EXIT.ERROR,
      `Refusing to apply ${path}: it records no facts about a domain its steps act on, so frost cannot check that the host is as planned: ${which.join("; ")}. Nothing was applied; make a new plan with: frost plan --out FILE`,
    );
  }
  const refusal = destructiveRefusal(file.plan, {
    destroy: values["allow-destroy"] ?? false,
    replace: values["allow-replace"] ?? false,
    rebuild: values["allow-rebuild"] ?? false,
  });
  if (refusal) throw new ExitError(EXIT.ERROR, refusal);
  return withHostLocks(
    planFileHosts(file),
    deps,
    {
      command: ["frost", "apply", ...argv].join(" "),
      timeoutMs: parseTimeSpan(values["lock-timeout"], "--lock-timeout"),
      exclude: thawedBy(file),
    },
    async () => {
      const recheck = await recheckSavedPlan(file, deps);
      if ("unreachable" in recheck) throw new ExitError(EXIT.ERROR, recheck.unreachable);
      const differences = recheck.differences;
      if (differences.length > 0) {
        throw new ExitError(
          EXIT.ERROR,
          `The host changed since this plan was made: ${differences.join("; ")}. Nothing was applied; run frost plan again.`,
        );
      }
      deps.io.out(renderPlanText(file.plan, deps.io.color) + "\n");
      if (file.plan.changes.length === 0) return EXIT.OK;
      return runApply(file.plan, deps, values.parallelism ? { parallelism: parsePositive(values.parallelism, "--parallelism") } : {});
    },
  );
}
