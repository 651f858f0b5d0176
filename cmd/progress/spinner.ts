import ora, { type Ora } from "ora";
import type { ApplyHooks } from "../../reconcile/apply.js";
import type { Change } from "../../reconcile/model.js";
import { changeLine } from "../render/plan-text.js";
import { describeOutcome } from "./plain.js";

/** Progress on a terminal: one spinner per change in flight, with elapsed time after 5 s. */
export function spinnerProgress(stream: NodeJS.WriteStream): ApplyHooks {
  const running = new Map<Change, { spinner: Ora; timer: NodeJS.Timeout }>();
  return {
    preApply(change) {
      const started = Date.now();
      const text = changeLine(change);
      const spinner = ora({ text, stream }).start();
      const timer = setInterval(() => {
        const s = Math.round((Date.now() - started) / 1000);
        if (s >= 5) spinner.text = `${text} (still applying, ${s}s elapsed)`;
      }, 1000);
      running.set(change, { spinner, timer });
    },
    postApply(change, outcome) {
      const entry = running.get(change);
      const spinner = entry?.spinner ?? ora({ text: changeLine(change), stream });
      if (entry) clearInterval(entry.timer);
      running.delete(change);
      const text = `${change.address}: ${describeOutcome(outcome)}`;
      if (outcome.status === "done") {
        spinner.succeed(text);
        for (const w of outcome.warnings) spinner.warn(`${change.address}: ${w}`);
      } else if (outcome.status === "failed") spinner.fail(text);
      else spinner.info(text);
    },
  };
}
