import { readPlanFile } from "../../reconcile/plan-file/plan-file.js";
import { parseCommandArgs } from "../args.js";
import type { CommandDeps } from "../deps.js";
import { ExitError, EXIT } from "../exit-codes.js";
import { renderPlanJson } from "../render/plan-json.js";
import { renderPlanText } from "../render/plan-text.js";

export const SHOW_HELP = `Usage: frost show PLANFILE [--json]

Shows a plan saved with "frost plan --out PLANFILE": each change, and under it the steps that
"frost apply PLANFILE" will run, in order. Refuses a file whose content does not match the digest
it carries (edited or damaged since it was saved). Contacts no host.
`;

/** `frost show`. */
export async function showCommand(argv: string[], deps: CommandDeps): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    "show",
    argv,
    { help: { type: "boolean", short: "h", default: false }, json: { type: "boolean", default: false } },
    true,
  );
  if (values.help) return (deps.io.out(SHOW_HELP), EXIT.OK);
  const [path, ...rest] = positionals;
  if (!path || rest.length > 0) throw new ExitError(EXIT.ERROR, "name one plan file\nSee: frost show --help");
  const file = await readPlanFile(path);
  if (values.json) {
    deps.io.out(renderPlanJson(file.plan));
    return EXIT.OK;
  }
  deps.io.out(`Plan made ${file.plan.createdAt} by frost ${file.frostVersion} from ${file.configPath} (${file.configDigest}).\n\n`);
  deps.io.out(renderPlanText(file.plan, deps.io.color, { steps: true }));
  return EXIT.OK;
}
