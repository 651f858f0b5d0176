import { virshErrorLines } from "./virsh-errors.js";
/**
 * The line protocol frost speaks with one long-lived interactive `virsh` process. Everything here
 * is pure, so that it is tested without a process.
 *
 * virsh reads one line at a time from stdin (through readline: it echoes the prompt and the line
 * on stdout) and runs the `;`-separated commands of the line. Call `n` is written as two lines:
 *
 *     echo @@frost-T-b''n@@; COMMAND; echo @@frost-T-e''n@@
 *     echo --err @@frost-T-s''n@@; echo @@frost-T-s''n@@
 *
 * virsh's parser joins `b''n` into `bn`, so the markers it prints (`@@frost-T-bn@@`) never occur in
 * its echo of what was typed. The command's stdout is what lies between the `b` and `e` markers;
 * its error lines are what stderr holds before the `s` marker there; the call is over when both
 * streams have shown the `s` marker. The second line always runs: a first line virsh cannot parse
 * (an unknown command or option) runs nothing and prints only its error, and the call ends anyway.
 */

/** Thrown when an argument cannot be passed through virsh's own parser safely. */
export class UnsafeArgumentError extends Error {}

/**
 * One argument in virsh's syntax: single quotes, inside which virsh reads every character as is.
 * An argument holding a quote or a line break cannot be written that way and is refused.
 */
export function quoteArgument(word: string): string {
  if (/['\n\r\0]/.test(word)) {
    throw new UnsafeArgumentError(`refusing to pass ${JSON.stringify(word)} to virsh: it contains a quote or a line break`);
  }
  return `'${word}'`;
}

/** `command 'arg' 'arg' …`: the command name as is (it must be a plain name), every argument quoted. */
export function commandLine(words: readonly string[]): string {
  const [command, ...args] = words;
  if (command === undefined || !/^[a-z][a-z-]*$/.test(command))
    throw new UnsafeArgumentError(`not a virsh command name: ${JSON.stringify(command)}`);
  return [command, ...args.map(quoteArgument)].join(" ");
}

/** What one call printed: stdout between the markers, and virsh's error lines (without `error: `). */
export interface VirshReply {
  stdout: string;
  errors: string[];
  /** False when virsh could not parse the line, so that nothing of it ran. */
  ran: boolean;
}

/** The markers of one session (`token` is random per session) and the parsing of its streams. */
export class MarkerProtocol {
  constructor(readonly token: string) {
    if (!/^[a-z0-9]+$/.test(token)) throw new Error("a marker token is lowercase letters and digits");
  }

  /** The marker as virsh prints it. */
  marker(kind: "b" | "e" | "s", n: number): string {
    return `@@frost-${this.token}-${kind}${n}@@`;
  }

  /** What to write to stdin for call `n` of `line` (a `commandLine`, or nothing: a bare sync). */
  request(n: number, line?: string): string {
    const typed = (kind: string) => `@@frost-${this.token}-${kind}''${n}@@`;
    const first = line === undefined ? "" : `echo ${typed("b")}; ${line}; echo ${typed("e")}\n`;
    return `${first}echo --err ${typed("s")}; echo ${typed("s")}\n`;
  }

  /**
   * Takes the reply to call `n` off the front of the buffered streams, or returns undefined while
   * either stream has not shown its end marker yet. `rest*` is what follows, for the next call.
   */
  take(n: number, stdout: string, stderr: string): { reply: VirshReply; restStdout: string; restStderr: string } | undefined {
    const end = this.marker("s", n);
    const outEnd = stdout.indexOf(end);
    const errEnd = stderr.indexOf(end);
    if (outEnd < 0 || errEnd < 0) return undefined;
    const chunk = stdout.slice(0, outEnd);
    const begin = chunk.indexOf(this.marker("b", n));
    const finish = chunk.indexOf(this.marker("e", n));
    const ran = begin >= 0 && finish > begin;
    const errLineEnd = stderr.indexOf("\n", errEnd);
    const errLineStart = stderr.lastIndexOf("\n", errEnd) + 1;
    return {
      reply: {
        stdout: ran ? trimOneNewline(chunk.slice(begin + this.marker("b", n).length, finish)) : "",
        errors: virshErrorLines(stderr.slice(0, errLineStart)),
        ran,
      },
      restStdout: stdout.slice(outEnd + end.length),
      restStderr: errLineEnd < 0 ? "" : stderr.slice(errLineEnd + 1),
    };
  }
}

/** virsh (not quiet) ends each command's output with one extra newline, and `echo` prints none: drop one each side. */
function trimOneNewline(text: string): string {
  const start = text.startsWith("\n") ? 1 : 0;
  const end = text.endsWith("\n") ? text.length - 1 : text.length;
  return start >= end ? "" : text.slice(start, end);
}

/** True when `arg` can travel on a virsh command line (no quote or newline); others go in a process of their own. */
export function fitsInBatch(arg: string): boolean {
  try {
    quoteArgument(arg);
    return true;
  } catch (e) {
    if (e instanceof UnsafeArgumentError) return false;
    throw e;
  }
}
