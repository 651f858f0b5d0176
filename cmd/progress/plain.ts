import type { ApplyHooks, ChangeOutcome } from "../../reconcile/apply.js";
import type { Change } from "../../reconcile/model.js";
import type { Io } from "../io.js";
import { changeLine } from "../render/plan-text.js";

/** How an outcome reads in one line, after the change's address. */
export function describeOutcome(outcome: ChangeOutcome): string {
  const took = `${(outcome.elapsedMs / 1000).toFixed(1)}s`;
  switch (outcome.status) {
    case "done":
      return `done in ${took}${outcome.detail ? ` (${outcome.detail})` : ""}`;
    case "failed":
      return `FAILED after ${took}: ${outcome.error}`;
    case "skipped":
      return `skipped: ${outcome.reason}`;
  }
}

/** Progress as one line per event, for logs and pipes. */
export function plainProgress(io: Io): ApplyHooks {
  return {
    preApply: (change: Change) => io.out(`${changeLine(change)}: applying\n`),
    postApply: (change: Change, outcome: ChangeOutcome) => {
      io.out(`${change.address}: ${describeOutcome(outcome)}\n`);
      if (outcome.status === "done") for (const w of outcome.warnings) io.out(`${change.address}: warning: ${w}\n`);
    },
  };
}
