import { applyPlan } from "../../reconcile/apply.js";
import { applyOptions } from "../run-apply.js";
import { isDestructive } from "../../reconcile/plan/destructive.js";
import type { Change } from "../../reconcile/model.js";
import { watchConfig } from "../../reconcile/watch/config-watcher.js";
import { LastGoodConfig } from "../../reconcile/watch/last-good-config.js";
import { ReconcileLoop, type PassResult } from "../../reconcile/watch/loop.js";
import { parseCommandArgs, CONFIG_OPTIONS, parsePositive, parseTimeSpan } from "../args.js";
import type { CommandDeps } from "../deps.js";
import { ExitError, EXIT } from "../exit-codes.js";
import { withHostLocks } from "../locking.js";
import { planDesired } from "../planning.js";
import { renderDiagnostics } from "../render/diagnostics.js";
import { watchReporter } from "../render/watch-events.js";

export const WATCH_HELP = `Usage: frost watch [-c FILE|DIR] [--apply none|snapshots|all] [--interval 60s] [--json]

Runs on the host and keeps it converged. Re-plans whenever the configuration changes (an invalid
edit is reported with positions and the last good configuration stays in force), and runs a pass on
an interval for due snapshots, retention and thaws. Errors back off exponentially. Ctrl-C or
SIGTERM stops it: no new work starts, frozen guests are thawed, the host lock is released.

Options:
  -c, --config PATH     frost.yaml, or a directory of *.yaml files (default: ./frost.yaml)
  --apply MODE          none: only report; snapshots (default): take due snapshots, prune, thaw;
                        all: also apply every other change
  --interval T          time between passes, e.g. 60s or 5m (default 60s, with ±10% jitter)
  --json                one JSON object per line instead of text
  --parallelism N       guests frozen at once per host (default 2)
  --lock-timeout T      wait up to T for another frost run to release the host (default 30s)
`;

const OPTIONS = {
  ...CONFIG_OPTIONS,
  apply: { type: "string", default: "snapshots" },
  interval: { type: "string", default: "60s" },
  json: { type: "boolean", default: false },
  parallelism: { type: "string" },
  "lock-timeout": { type: "string", default: "30s" },
} as const;

/** Which changes each `--apply` mode applies; the others are only reported. */
const APPLIED: Record<string, (c: Change) => boolean> = {
  none: () => false,
  snapshots: (c) => c.action === "snapshot" || c.action === "prune" || c.action === "thaw",
  // Never a destroy, a replacement or a rebuild, judged from the steps as apply judges them: those need
  // apply's --allow-destroy / --allow-replace / --allow-rebuild.
  all: (c) => !isDestructive(c),
};

/** `frost watch`. */
export async function watchCommand(argv: string[], deps: CommandDeps): Promise<number> {
  const { values } = parseCommandArgs("watch", argv, OPTIONS);
  if (values.help) return (deps.io.out(WATCH_HELP), EXIT.OK);
  const applies = APPLIED[values.apply];
  if (!applies) throw new ExitError(EXIT.ERROR, `--apply takes none, snapshots or all, not "${values.apply}"`);
  const intervalMs = parseTimeSpan(values.interval, "--interval");
  if (intervalMs < 1000) throw new ExitError(EXIT.ERROR, `--interval must be at least 1s`);
  const lockTimeoutMs = parseTimeSpan(values["lock-timeout"], "--lock-timeout");
  const parallelism = values.parallelism ? parsePositive(values.parallelism, "--parallelism") : undefined;

  const report = watchReporter(deps.io, values.json);
  const config = new LastGoodConfig(values.config);
  const first = await config.reload();
  if (!first.desired) {
    deps.io.err(renderDiagnostics(first.diagnostics, deps.io.color));
    throw new ExitError(EXIT.ERROR, "The configuration is invalid; frost watch starts only from a valid one.");
  }

  const runPass = async (reason: string, signal: AbortSignal): Promise<PassResult> => {
    const { desired, diagnostics, usedLastGood } = await config.reload();
    if (diagnostics.length > 0) report.diagnostics(diagnostics, usedLastGood);
    if (!desired) return "error";
    const pass = async (): Promise<PassResult> => {
      const { plan } = await planDesired(desired, deps);
      const selected = plan.errored ? [] : plan.changes.filter(applies);
      report.plan(plan, reason, selected.length);
      const unreachable = plan.hosts.some((h) => h.status === "unreachable");
      if (selected.length === 0) return plan.errored || unreachable ? "error" : "ok";
      const result = await applyPlan({ ...plan, changes: selected }, report.hooks, applyOptions(deps, signal, parallelism));
      report.applied(result);
      return result.failed > 0 || unreachable ? "error" : "ok";
    };
    // Only reporting: nothing is changed, no lock is needed. Otherwise the pass observes and plans
    // under the host locks (taking them also thaws what runs proven gone left frozen), so that it
    // acts on what it saw, never on a plan another run has overtaken.
    if (values.apply === "none") return pass();
    return withHostLocks(
      desired.hosts,
      deps,
      { command: ["frost", "watch", ...argv].join(" "), timeoutMs: lockTimeoutMs, notify: (n) => report.notice(n) },
      pass,
    );
  };

  const loop = new ReconcileLoop({
    runPass,
    intervalMs,
    hooks: {
      onPassStart: (reason) => report.passStart(reason),
      onPassEnd: (result, ms, next) => report.passEnd(result, ms, next),
      onError: (err) => report.error(err),
    },
  });
  // The watch is critical work from start to end: a signal (or a closed output) stops it the
  // graceful way, never in the middle of a freeze.
  return deps.interrupt.critical(async () => {
    const watcher = await watchConfig(values.config, { onChange: (reason) => loop.trigger(reason), onError: (err) => report.error(err) });
    report.started(values.config, values.apply, intervalMs);
    loop.start();
    const interrupt = deps.interrupt;
    if (!interrupt.signal.aborted) await new Promise((resolve) => interrupt.signal.addEventListener("abort", resolve, { once: true }));
    report.stopping(stopReason(interrupt.exitCode()));
    await watcher.close();
    await loop.stop();
    report.stopped();
    return interrupt.exitCode() ?? EXIT.OK;
  });
}

/** The name of what stopped the watch, from its exit code. */
function stopReason(code: number | undefined): string {
  const names: Record<number, string> = { 129: "SIGHUP", 130: "SIGINT", 141: "output closed", 143: "SIGTERM" };
  return (code !== undefined ? names[code] : undefined) ?? "stop";
}
