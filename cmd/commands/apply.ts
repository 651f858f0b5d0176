import { CONFIG_OPTIONS, parseCommandArgs, parsePositive, parseTimeSpan, TARGET_OPTIONS, targetOptions } from "../args.js";
import { emitPlan, jsonNotice, jsonStream, type Emit } from "../render/json-stream.js";
import type { CommandDeps } from "../deps.js";
import { ExitError, EXIT } from "../exit-codes.js";
import { styler } from "../io.js";
import type { Plan } from "../../reconcile/model.js";
import { withHostLocks } from "../locking.js";
import { anyUnreachable, loadOrExit, planDesired } from "../planning.js";
import { renderPlanText } from "../render/plan-text.js";
import { runApply } from "../run-apply.js";
import { applySavedPlan } from "../saved-plan.js";
import { destructiveRefusal } from "../../reconcile/plan/destructive.js";

export const APPLY_HELP = `Usage: frost apply [-c FILE|DIR] [--auto-approve] [--parallelism N] [--lock-timeout T]
       frost apply PLANFILE [--allow-destroy] [--allow-replace] [--allow-rebuild] [--parallelism N] [--lock-timeout T]

Plans, shows the plan, asks for confirmation, then makes the hosts match the configuration.
On a terminal it asks you to type "yes"; without a terminal it refuses unless --auto-approve.
With a PLANFILE saved by "frost plan --out", it does exactly that plan without asking, or refuses:
when the file does not match the digest it carries (edited or damaged since), when a step acts on
a domain the file records no facts about, or when anything the plan touches changed on the hosts
since it was made. Destroying, replacing and rebuilding are read from the steps and need their flag.

Ctrl-C or SIGTERM stops new changes; changes in flight finish and every frozen guest is thawed.

Options:
  -c, --config PATH   frost.yaml, or a directory of *.yaml files (default: ./frost.yaml)
  --auto-approve      apply without asking
  --json              one JSON object per line: the plan, then progress and results (needs --auto-approve)
  --target ADDR       only changes to ADDR (host.NAME or instance.NAME); repeatable
  --exclude ADDR      leave out changes to ADDR; repeatable
  --allow-destroy     allow destroying instances frost created that are no longer declared (never
                      protected ones; only the disks frost created are removed)
  --allow-replace     allow replacing instances whose image changed (the disk is recreated)
  --allow-rebuild     allow rebuilding OpenStack servers whose image's agent properties were set
                      after they booted (Nova recreates the disk from the image)
  --parallelism N     instances worked on at once per host, so at most N guests frozen (default 2)
  --lock-timeout T    wait up to T (e.g. 30s) for another frost run to release the host (default 0)
`;

const OPTIONS = {
  ...CONFIG_OPTIONS,
  ...TARGET_OPTIONS,
  json: { type: "boolean", default: false },
  "auto-approve": { type: "boolean", default: false },
  "allow-destroy": { type: "boolean", default: false },
  "allow-replace": { type: "boolean", default: false },
  "allow-rebuild": { type: "boolean", default: false },
  parallelism: { type: "string" },
  "lock-timeout": { type: "string" },
} as const;

/** `frost apply`. */
export async function applyCommand(argv: string[], deps: CommandDeps): Promise<number> {
  const { values, positionals } = parseCommandArgs("apply", argv, OPTIONS, true);
  const { io } = deps;
  if (values.help) return (io.out(APPLY_HELP), EXIT.OK);
  if (positionals.length > 1) throw new ExitError(EXIT.ERROR, "apply takes at most one saved plan file\nSee: frost apply --help");
  if (positionals[0] !== undefined) return applySavedPlan(positionals[0], argv, values, deps);
  if (values.json && !values["auto-approve"])
    throw new ExitError(EXIT.ERROR, "--json does not ask for confirmation: pass --auto-approve, or apply a saved plan");
  const parallelism = values.parallelism !== undefined ? parsePositive(values.parallelism, "--parallelism") : undefined;
  const lockTimeoutMs = parseTimeSpan(values["lock-timeout"], "--lock-timeout");
  const desired = await loadOrExit(values.config, deps);
  const json = values.json ? jsonStream(io) : undefined;
  return withHostLocks(
    desired.hosts,
    deps,
    { command: ["frost", "apply", ...argv].join(" "), timeoutMs: lockTimeoutMs, ...(json ? { notify: jsonNotice(json) } : {}) },
    async () => {
      // Observed and planned under the locks: what is applied is what was seen (another run may have acted before).
      const { plan } = await planDesired(desired, deps, targetOptions(values));
      return confirmAndApply(plan, { ...values, parallelism, json }, deps);
    },
  );
}

async function confirmAndApply(
  plan: Plan,
  values: {
    "auto-approve": boolean;
    json: Emit | undefined;
    parallelism: number | undefined;
    "allow-destroy": boolean;
    "allow-replace": boolean;
    "allow-rebuild": boolean;
  },
  deps: CommandDeps,
): Promise<number> {
  const { io } = deps;
  const s = styler(io.color);
  const json = values.json;
  if (json) emitPlan(json, plan);
  else io.out(renderPlanText(plan, io.color));
  if (plan.errored) return EXIT.ERROR;
  const unreachable = anyUnreachable(plan);
  if (plan.changes.length === 0) return unreachable ? EXIT.ERROR : EXIT.OK;
  const refusal = destructiveRefusal(plan, {
    destroy: values["allow-destroy"],
    replace: values["allow-replace"],
    rebuild: values["allow-rebuild"],
  });
  if (refusal) throw new ExitError(EXIT.ERROR, refusal);

  if (!values["auto-approve"]) {
    if (!io.interactive) {
      throw new ExitError(
        EXIT.ERROR,
        "Refusing to apply without confirmation: stdin is not a terminal. Review the plan, then run again with --auto-approve.",
      );
    }
    const answer = await io.ask(`\n${s.bold("Do you want to perform these actions?")} Only 'yes' will be accepted: `);
    if (answer === undefined) deps.interrupt.fire("SIGINT");
    const interrupted = deps.interrupt.exitCode();
    if (interrupted !== undefined) {
      io.out("Apply cancelled; nothing was changed.\n");
      return interrupted;
    }
    if (answer?.trim() !== "yes") {
      io.out("Apply cancelled; nothing was changed.\n");
      return EXIT.ERROR;
    }
  }
  if (!json) io.out("\n");
  const code = await runApply(plan, deps, {
    ...(values.parallelism ? { parallelism: values.parallelism } : {}),
    ...(json ? { json } : {}),
  });
  if (code !== EXIT.OK) return code;
  return unreachable ? EXIT.ERROR : EXIT.OK;
}
