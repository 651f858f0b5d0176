import { applyPlan, type ApplyOptions } from "../reconcile/apply.js";
import type { Plan } from "../reconcile/model.js";
import type { PerformOptions } from "../reconcile/provider.js";
import type { CommandDeps } from "./deps.js";
import { parseTimeSpan } from "./args.js";
import { EXIT } from "./exit-codes.js";
import { styler } from "./io.js";
import { plainProgress } from "./progress/plain.js";
import { emitApplySummary, jsonApplyHooks, type Emit } from "./render/json-stream.js";

/**
 * What every apply of the CLI passes each step: the run's environment and interrupt, the test seam
 * FROST_TEST_HOLD_FROZEN_MS, and FROST_OPENSTACK_SNAPSHOT_TIMEOUT / _SERVER_TIMEOUT (e.g. 90s), which
 * shorten apply's waits on a cloud's long operations.
 */
export function applyOptions(deps: CommandDeps, signal: AbortSignal, parallelism?: number): ApplyOptions {
  const waits = cloudWaits();
  return { env: deps, signal, ...(parallelism ? { parallelism } : {}), ...testHold(), ...(waits ? { waits } : {}) };
}

function cloudWaits(): PerformOptions["waits"] {
  const snapshot = process.env["FROST_OPENSTACK_SNAPSHOT_TIMEOUT"];
  const server = process.env["FROST_OPENSTACK_SERVER_TIMEOUT"];
  if (!snapshot && !server) return undefined;
  return {
    ...(snapshot ? { snapshotMs: parseTimeSpan(snapshot, "FROST_OPENSTACK_SNAPSHOT_TIMEOUT") } : {}),
    ...(server ? { serverMs: parseTimeSpan(server, "FROST_OPENSTACK_SERVER_TIMEOUT") } : {}),
  };
}

/** What the user must hear about guests an apply could not thaw: which, and the command that thaws them. */
export function frozenSentence(stillFrozen: readonly string[]): string {
  if (stillFrozen.length === 0) return "No guest was left frozen by this run.";
  const names = [...new Set(stillFrozen)];
  return `${names.join(", ")} may still be frozen (the thaw failed): run frost thaw ${names.join(" ")}; the next frost apply or watch pass thaws ${names.length > 1 ? "them" : "it"} too.`;
}

/** FROST_TEST_HOLD_FROZEN_MS: the test seam that keeps a guest frozen before the cut (see TakeSnapshotOptions). */
function testHold(): { holdFrozenMs?: number } {
  const hold = Number(process.env["FROST_TEST_HOLD_FROZEN_MS"] ?? 0);
  return hold > 0 ? { holdFrozenMs: hold } : {};
}

/** Options of applying a plan from the CLI. */
export interface RunApplyOptions {
  parallelism?: number;
  /** Report as JSON line events instead of text. */
  json?: Emit;
}

/**
 * Applies a plan with progress on the terminal (or plain lines), Ctrl-C and SIGTERM turned into a
 * graceful stop that still thaws, and a closing summary. Returns the exit code.
 */
export async function runApply(plan: Plan, deps: CommandDeps, options: RunApplyOptions = {}): Promise<number> {
  const { io } = deps;
  const s = styler(io.color);
  // ora is loaded only where it draws: on a terminal.
  const hooks = options.json
    ? jsonApplyHooks(options.json)
    : io.stderrIsTty && io.interactive
      ? (await import("./progress/spinner.js")).spinnerProgress(process.stderr)
      : plainProgress(io);
  const interrupt = deps.interrupt;
  return interrupt.critical(async () => {
    const result = await applyPlan(plan, hooks, applyOptions(deps, interrupt.signal, options.parallelism));
    if (options.json) {
      emitApplySummary(options.json, result);
      return interrupt.exitCode() ?? (result.failed > 0 ? EXIT.ERROR : EXIT.OK);
    }
    const total = result.outcomes.length;
    const done = total - result.failed - result.skipped;
    const interrupted = interrupt.exitCode();
    if (interrupted !== undefined) {
      io.out(
        s.red(
          `\nInterrupted: ${done} of ${total} changes applied, ${result.failed} failed, ${result.skipped} not started. ${frozenSentence(result.stillFrozen)}\n`,
        ),
      );
      return interrupted;
    }
    if (result.failed > 0) {
      const skipped = result.skipped > 0 ? `, ${result.skipped} skipped` : "";
      const frozen = result.stillFrozen.length > 0 ? ` ${frozenSentence(result.stillFrozen)}` : "";
      io.out(
        s.red(
          `\nApply failed: ${result.failed} of ${total} changes failed${skipped}, ${done} applied.${frozen} Run frost plan to see what remains.\n`,
        ),
      );
      return EXIT.ERROR;
    }
    io.out(s.green(`\nApply complete: ${done} applied.\n`));
    return EXIT.OK;
  });
}
