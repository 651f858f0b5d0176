import { configDigest } from "../../reconcile/config/digest.js";
import { collectFacts } from "../../reconcile/plan-file/facts.js";
import { PLAN_FILE_FORMAT, writePlanFile } from "../../reconcile/plan-file/plan-file.js";
import { FROST_VERSION } from "../../reconcile/version.js";
import { CONFIG_OPTIONS, parseCommandArgs, TARGET_OPTIONS, targetOptions } from "../args.js";
import type { CommandDeps } from "../deps.js";
import { ExitError, EXIT } from "../exit-codes.js";
import { anyUnreachable, computePlan } from "../planning.js";
import { emitPlan, jsonStream } from "../render/json-stream.js";
import { renderPlanMarkdown } from "../render/plan-markdown.js";
import { renderPlanText } from "../render/plan-text.js";

export const PLAN_HELP = `Usage: frost plan [-c FILE|DIR] [--out PLANFILE] [--json|--markdown] [--detailed-exitcode]
                  [--target ADDR]... [--exclude ADDR]... [--show-kept]

Reads each host's actual state and shows what apply would change. Changes nothing.

Options:
  -c, --config PATH      frost.yaml, or a directory of *.yaml files (default: ./frost.yaml)
  --out PLANFILE         save the plan; "frost apply PLANFILE" then does exactly it, or refuses
                         when the hosts changed since
  --json                 one JSON object per line (a version line first, then the planned changes,
                         remarks, diagnostics and a summary)
  --markdown             for a pull-request comment: the summary first, a long plan collapsed
  --detailed-exitcode    exit 0 when there are no changes, 2 when there are, 1 on error
  --target ADDR          only changes to ADDR (host.NAME or instance.NAME; an instance covers its
                         snapshots); repeatable
  --exclude ADDR         leave out changes to ADDR; repeatable
  --show-kept            also list the snapshots retention keeps, with the rules that keep them
`;

const OPTIONS = {
  ...CONFIG_OPTIONS,
  ...TARGET_OPTIONS,
  out: { type: "string" },
  json: { type: "boolean", default: false },
  markdown: { type: "boolean", default: false },
  "detailed-exitcode": { type: "boolean", default: false },
  "show-kept": { type: "boolean", default: false },
} as const;

/** `frost plan`. */
export async function planCommand(argv: string[], deps: CommandDeps): Promise<number> {
  const { values } = parseCommandArgs("plan", argv, OPTIONS);
  if (values.help) return (deps.io.out(PLAN_HELP), EXIT.OK);
  if (values.json && values.markdown) throw new ExitError(EXIT.ERROR, "--json and --markdown exclude each other");
  const { desired, plan, observations } = await computePlan(values.config, deps, targetOptions(values));
  if (values.json) emitPlan(jsonStream(deps.io), plan);
  else if (values.markdown) deps.io.out(renderPlanMarkdown(plan));
  else deps.io.out(renderPlanText(plan, deps.io.color, { showKept: values["show-kept"] }));
  if (values.out !== undefined && !plan.errored) {
    await writePlanFile(values.out, {
      format: PLAN_FILE_FORMAT,
      frostVersion: FROST_VERSION,
      configDigest: await configDigest(desired.files),
      configPath: values.config,
      uris: Object.fromEntries(Object.values(desired.hosts).map((h) => [h.name, h.uri])),
      kinds: Object.fromEntries(Object.values(desired.hosts).map((h) => [h.name, h.kind])),
      facts: collectFacts(plan, observations),
      plan,
    });
    if (!values.json) deps.io.err(`Saved the plan to ${values.out}. To perform exactly these actions, run: frost apply ${values.out}\n`);
  }
  if (plan.errored || anyUnreachable(plan)) return EXIT.ERROR;
  return values["detailed-exitcode"] && plan.changes.length > 0 ? EXIT.CHANGES : EXIT.OK;
}
