import ora from "ora";
import type { ApplyHooks } from "../../reconcile/apply.js";
import type { Change } from "../../reconcile/model.js";
import { changeLine } from "../render/plan-text.js";
import { describeOutcome } from "./plain.js";

/**
 * Progress on a terminal: one spinner line for what is in flight (the latest change, how many more,
 * and the elapsed time after 5 s), and a persistent line per change as it ends. One spinner only:
 * ora draws a single line, and changes of several instances run at once.
 */
export function spinnerProgress(stream: NodeJS.WriteStream): ApplyHooks {
  const running = new Map<Change, number>();
  const spinner = ora({ stream });
  let timer: NodeJS.Timeout | undefined;
  const refresh = (): void => {
    const latest = [...running].at(-1);
    if (!latest) return;
    const [change, started] = latest;
    const more = running.size > 1 ? ` (+${running.size - 1} more)` : "";
    const s = Math.round((Date.now() - started) / 1000);
    spinner.text = `${changeLine(change)}${more}${s >= 5 ? ` (still applying, ${s}s elapsed)` : ""}`;
  };
  return {
    preApply(change) {
      running.set(change, Date.now());
      refresh();
      if (!spinner.isSpinning) spinner.start();
      timer ??= setInterval(refresh, 1000);
    },
    postApply(change, outcome) {
      running.delete(change);
      const text = `${change.address}: ${describeOutcome(outcome)}`;
      if (outcome.status === "done") {
        spinner.succeed(text);
        for (const w of outcome.warnings) spinner.warn(`${change.address}: ${w}`);
      } else if (outcome.status === "failed") spinner.fail(text);
      else spinner.info(text);
      if (running.size > 0) {
        refresh();
        spinner.start();
      } else if (timer) {
        clearInterval(timer);
        timer = undefined;
      }
    },
  };
}
