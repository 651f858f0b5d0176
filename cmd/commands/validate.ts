import { CONFIG_OPTIONS, parseCommandArgs } from "../args.js";
import type { CommandDeps } from "../deps.js";
import { EXIT } from "../exit-codes.js";
import { loadOrExit } from "../planning.js";

export const VALIDATE_HELP = `Usage: frost validate [-c FILE|DIR]

Checks the configuration and reports every problem at once, with file:line:col.
Contacts no host and changes nothing. Exit 0 when valid, 1 when not.

Options:
  -c, --config PATH   frost.yaml, or a directory of *.yaml files (default: ./frost.yaml)
`;

/** `frost validate`. */
export async function validateCommand(argv: string[], deps: CommandDeps): Promise<number> {
  const { values } = parseCommandArgs("validate", argv, CONFIG_OPTIONS);
  if (values.help) return (deps.io.out(VALIDATE_HELP), EXIT.OK);
  const desired = await loadOrExit(values.config, deps);
  const count = (o: object) => Object.keys(o).length;
  deps.io.out(
    `The configuration is valid: ${count(desired.hosts)} host(s), ${count(desired.images)} image(s), ` +
      `${count(desired.instances)} instance(s), ${count(desired.schedules)} schedule(s) in ${desired.files.length} file(s).\n`,
  );
  return EXIT.OK;
}
