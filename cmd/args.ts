import { parseArgs, type ParseArgsConfig } from "node:util";
import { ExitError, EXIT } from "./exit-codes.js";

/** Options every command that reads a configuration takes. */
export const CONFIG_OPTIONS = {
  config: { type: "string", short: "c", default: "frost.yaml" },
  help: { type: "boolean", short: "h", default: false },
  "no-color": { type: "boolean", default: false },
} as const satisfies ParseArgsConfig["options"];

/** Parses a command's arguments strictly; an unknown option is a usage error naming the command's help. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(command: string, argv: string[], options: T, positionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: positionals });
  } catch (e) {
    throw new ExitError(EXIT.ERROR, `${(e as Error).message}\nSee: frost ${command} --help`);
  }
}
