import type { ApplyHooks } from "../../reconcile/apply.js";
import type { Io } from "../io.js";

/** Progress as one line per event, for logs and pipes. */
export function plainProgress(io: Io): ApplyHooks {
  return {
    preApply: (change) => io.out(`${change.address}: applying (${change.reason})\n`),
    postApply: (change, outcome) =>
      io.out(
        outcome.ok
          ? `${change.address}: done in ${(outcome.elapsedMs / 1000).toFixed(1)}s\n`
          : `${change.address}: FAILED after ${(outcome.elapsedMs / 1000).toFixed(1)}s: ${outcome.error}\n`,
      ),
  };
}
