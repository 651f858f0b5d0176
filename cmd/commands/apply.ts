import { applyPlan } from "../../reconcile/apply.js";
import { CONFIG_OPTIONS, parseCommandArgs } from "../args.js";
import type { CommandDeps } from "../deps.js";
import { ExitError, EXIT } from "../exit-codes.js";
import { styler } from "../io.js";
import { anyUnreachable, computePlan } from "../planning.js";
import { renderPlanText } from "../render/plan-text.js";
import { plainProgress } from "../progress/plain.js";
import { spinnerProgress } from "../progress/spinner.js";

export const APPLY_HELP = `Usage: frost apply [-c FILE|DIR] [--auto-approve]

Plans, shows the plan, asks for confirmation, then makes the hosts match the configuration.
On a terminal it asks you to type "yes"; without a terminal it refuses unless --auto-approve.

Options:
  -c, --config PATH   frost.yaml, or a directory of *.yaml files (default: ./frost.yaml)
  --auto-approve      apply without asking
`;

const OPTIONS = { ...CONFIG_OPTIONS, "auto-approve": { type: "boolean", default: false } } as const;

/** `frost apply`. */
export async function applyCommand(argv: string[], deps: CommandDeps): Promise<number> {
  const { values } = parseCommandArgs("apply", argv, OPTIONS);
  const { io } = deps;
  if (values.help) return io.out(APPLY_HELP), EXIT.OK;
  const s = styler(io.color);
  const { plan, hypervisorFor } = await computePlan(values.config, deps);
  io.out(renderPlanText(plan, io.color));
  if (plan.errored) return EXIT.ERROR;
  const unreachable = anyUnreachable(plan);
  if (plan.changes.length === 0) return unreachable ? EXIT.ERROR : EXIT.OK;

  if (!values["auto-approve"]) {
    if (!io.interactive) {
      throw new ExitError(EXIT.ERROR, "Refusing to apply without confirmation: stdin is not a terminal. Review the plan, then run again with --auto-approve.");
    }
    const answer = await io.ask(`\n${s.bold("Do you want to perform these actions?")} Only 'yes' will be accepted: `);
    if (answer.trim() !== "yes") {
      io.out("Apply cancelled; nothing was changed.\n");
      return EXIT.ERROR;
    }
  }
  io.out("\n");
  const hooks = io.stderrIsTty && io.interactive ? spinnerProgress(process.stderr) : plainProgress(io);
  const result = await applyPlan(plan, hypervisorFor, hooks);
  const done = result.outcomes.length - result.failed;
  if (result.failed > 0) {
    io.out(s.red(`\nApply failed: ${result.failed} of ${result.outcomes.length} changes failed, ${done} applied. Run frost plan to see what remains.\n`));
    return EXIT.ERROR;
  }
  io.out(s.green(`\nApply complete: ${done} changed.\n`));
  return unreachable ? EXIT.ERROR : EXIT.OK;
}
