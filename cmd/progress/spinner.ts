import ora, { type Ora } from "ora";
import type { ApplyHooks } from "../../reconcile/apply.js";
import type { Change } from "../../reconcile/model.js";

/** Progress on a terminal: one spinner per change in flight, with elapsed time after 5 s. */
export function spinnerProgress(stream: NodeJS.WriteStream): ApplyHooks {
  const running = new Map<Change, { spinner: Ora; timer: NodeJS.Timeout }>();
  return {
    preApply(change) {
      const started = Date.now();
      const text = `${change.address}: ${change.reason}`;
      const spinner = ora({ text, stream }).start();
      const timer = setInterval(() => {
        const s = Math.round((Date.now() - started) / 1000);
        if (s >= 5) spinner.text = `${text} (still applying, ${s}s elapsed)`;
      }, 1000);
      running.set(change, { spinner, timer });
    },
    postApply(change, outcome) {
      const entry = running.get(change);
      if (!entry) return;
      clearInterval(entry.timer);
      running.delete(change);
      const took = `${(outcome.elapsedMs / 1000).toFixed(1)}s`;
      if (outcome.ok) entry.spinner.succeed(`${change.address}: ${change.reason} (${took})`);
      else entry.spinner.fail(`${change.address}: ${outcome.error} (after ${took})`);
    },
  };
}
