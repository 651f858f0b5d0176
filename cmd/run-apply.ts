import { applyPlan } from "../reconcile/apply.js";
import type { Hypervisor } from "../reconcile/providers/libvirt/hypervisor.js";
import type { Plan } from "../reconcile/model.js";
import type { CommandDeps } from "./deps.js";
import { parseTimeSpan } from "./args.js";
import type { OpenStackApplyOptions } from "../reconcile/providers/openstack/apply/perform.js";
import type { OpenStackWaits } from "../reconcile/providers/openstack/apply/wait.js";
import { EXIT } from "./exit-codes.js";
import { styler } from "./io.js";
import { plainProgress } from "./progress/plain.js";
import { emitApplySummary, jsonApplyHooks, type Emit } from "./render/json-stream.js";

/** How apply reaches the OpenStack hosts of a plan (by the labels the plan records). */
export function openstackFor(plan: Plan, deps: CommandDeps): OpenStackApplyOptions {
  const waits = openstackWaits();
  return { ...deps.openstack(Object.fromEntries(plan.hosts.map((h) => [h.name, { uri: h.uri }]))), ...(waits ? { waits } : {}) };
}

/** FROST_OPENSTACK_SNAPSHOT_TIMEOUT / _SERVER_TIMEOUT (e.g. 90s) shorten apply's waits on OpenStack. */
function openstackWaits(): OpenStackWaits | undefined {
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
export function testHold(): { holdFrozenMs?: number } {
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
export async function runApply(
  plan: Plan,
  hypervisorFor: (host: string) => Hypervisor,
  deps: CommandDeps,
  options: RunApplyOptions = {},
): Promise<number> {
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
    const result = await applyPlan(plan, hypervisorFor, hooks, {
      clock: deps.clock,
      journal: deps.journal,
      hostRoot: deps.hostRoot,
      signal: interrupt.signal,
      ...(options.parallelism ? { parallelism: options.parallelism } : {}),
      ...testHold(),
      openstack: openstackFor(plan, deps),
    });
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
