import { parseArgs, type ParseArgsConfig } from "node:util";
import { ExitError, EXIT } from "./exit-codes.js";

/** Options every command that reads a configuration takes. */
export const CONFIG_OPTIONS = {
  config: { type: "string", short: "c", default: "frost.yaml" },
  help: { type: "boolean", short: "h", default: false },
  "no-color": { type: "boolean", default: false },
} as const satisfies ParseArgsConfig["options"];

/** `--target ADDR` / `--exclude ADDR`, each repeatable. */
export const TARGET_OPTIONS = {
  target: { type: "string", multiple: true },
  exclude: { type: "string", multiple: true },
} as const satisfies ParseArgsConfig["options"];

/** The target options as parsed, defaulted to empty lists. */
export function targetOptions(values: { target?: string[] | undefined; exclude?: string[] | undefined }): {
  targets: string[];
  excludes: string[];
} {
  return { targets: values.target ?? [], excludes: values.exclude ?? [] };
}

/** Parses a command's arguments strictly; an unknown option is a usage error naming the command's help. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  command: string,
  argv: string[],
  options: T,
  positionals = false,
) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: positionals });
  } catch (e) {
    throw new ExitError(EXIT.ERROR, `${(e as Error).message}\nSee: frost ${command} --help`);
  }
}

/** A whole number >= 1 from an option's text, or a usage error naming the option. */
export function parsePositive(text: string, option: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new ExitError(EXIT.ERROR, `${option} takes a whole number of at least 1, not "${text}"`);
  return n;
}

/** A time span from an option (`0`, `500ms`, `30s`, `2m`) in milliseconds; undefined gives `fallback`. */
export function parseTimeSpan(text: string | undefined, option: string, fallback = 0): number {
  if (text === undefined) return fallback;
  const m = /^(\d+)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new ExitError(EXIT.ERROR, `${option} takes a time such as 0, 500ms, 30s or 2m, not "${text}"`);
  const n = Number(m[1]);
  return m[2] === "ms" ? n : m[2] === "m" ? n * 60_000 : n * 1000;
}
