import { realProcesses, type CommandRunner, type RunResult } from "../../../process/run.js";

/** How frost reaches apparmor_parser: which program, through which runner, with what deadline. */
export interface ParserOptions {
  /** Default `apparmor_parser`, found on PATH. */
  parser?: string;
  runner?: CommandRunner;
  /** Deadline of one parser run; default 60 s. */
  timeoutMs?: number;
}

/** One parser run: its result, or `absent` when the program is not installed (ENOENT). */
export type ParserRun = { status: "ran"; result: RunResult } | { status: "absent" };

/** Raised when the parser could not be run for a reason other than being absent, or hit its deadline. */
export class ParserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ParserError";
  }
}

/** Runs apparmor_parser with an argument array, in the C locale so its messages are English. */
export async function runParser(args: readonly string[], options: ParserOptions = {}): Promise<ParserRun> {
  const program = options.parser ?? "apparmor_parser";
  const timeoutMs = options.timeoutMs ?? 60_000;
  let result: RunResult;
  try {
    result = await (options.runner ?? realProcesses).run(program, args, { timeoutMs, env: { ...process.env, LC_ALL: "C", LANG: "C" } });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { status: "absent" };
    throw new ParserError(`cannot run ${program}: ${(e as Error).message}`);
  }
  if (result.timedOut) throw new ParserError(`${program} ${args.join(" ")} did not finish within ${Math.round(timeoutMs / 1000)} s`);
  return { status: "ran", result };
}

/**
 * The parser's complaint without its noise: the "Cache read/write disabled" notice it prints on a
 * kernel without AppArmor is dropped, and `AppArmor parser error for FILE in profile P at line N: `
 * becomes `line N: `. `line` is that N when the parser gave one.
 */
export function parserMessage(stderr: string, code: number | null): { message: string; line?: number } {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("Cache read/write disabled"));
  for (const l of lines) {
    const m = /^AppArmor parser error for .* at line (\d+): (.*)$/.exec(l);
    if (m) return { message: m[2] ?? l, line: Number(m[1]) };
  }
  return { message: lines.length > 0 ? lines.join("; ") : `apparmor_parser exited with status ${code}` };
}
