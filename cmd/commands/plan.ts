import { CONFIG_OPTIONS, parseCommandArgs } from "../args.js";
import type { CommandDeps } from "../deps.js";
import { EXIT } from "../exit-codes.js";
import { anyUnreachable, computePlan } from "../planning.js";
import { renderPlanJson } from "../render/plan-json.js";
import { renderPlanText } from "../render/plan-text.js";

export const PLAN_HELP = `Usage: frost plan [-c FILE|DIR] [--json] [--detailed-exitcode]

Reads each host's actual state and shows what apply would change. Changes nothing.

Options:
  -c, --config PATH      frost.yaml, or a directory of *.yaml files (default: ./frost.yaml)
  --json                 print the plan as one versioned JSON document
  --detailed-exitcode    exit 0 when there are no changes, 2 when there are, 1 on error
`;

const OPTIONS = {
  ...CONFIG_OPTIONS,
  json: { type: "boolean", default: false },
  "detailed-exitcode": { type: "boolean", default: false },
} as const;

/** `frost plan`. */
export async function planCommand(argv: string[], deps: CommandDeps): Promise<number> {
  const { values } = parseCommandArgs("plan", argv, OPTIONS);
  if (values.help) return deps.io.out(PLAN_HELP), EXIT.OK;
  const { plan } = await computePlan(values.config, deps);
  deps.io.out(values.json ? renderPlanJson(plan) : renderPlanText(plan, deps.io.color));
  if (plan.errored || anyUnreachable(plan)) return EXIT.ERROR;
  return values["detailed-exitcode"] && plan.changes.length > 0 ? EXIT.CHANGES : EXIT.OK;
}
