import { virshErrorLines, virshReportedError } from "./virsh-errors.js";
import { randomBytes } from "node:crypto";
import { mapBounded } from "../../../pool.js";
import { HypervisorError } from "../hypervisor.js";
import { commandLine, fitsInBatch } from "./session-protocol.js";
import type { Virsh } from "./virsh.js";

/**
 * Many read-only virsh commands in one process: `virsh -q -c URI "echo M0; echo --err M0; CMD0;
 * echo M1; echo --err M1; CMD1; …; echo Mend; echo --err Mend"`. Each virsh process costs ~30 ms
 * to start and connect; a command in a batch costs well under a millisecond.
 *
 * What virsh does with such a line (libvirt 9): it runs every command, carries on after a command
 * fails (printing `error: …` on stderr) and prints each command's stdout exactly as a process of
 * its own would (with -q, `echo` adds no newline, so nothing is added between the markers). A line
 * it cannot parse (an unknown command or option) runs nothing at all. So each command's stdout is
 * what lies between its marker and the next on stdout, its error lines what lies between them on
 * stderr (where `echo --err` prints the marker as `error: M`); a missing end marker means the batch
 * did not run to its end, and the whole batch fails with what virsh said.
 *
 * Every argument is single-quoted (session-protocol.ts), inside which virsh reads every character
 * as is (measured with libvirt 9: spaces, tabs, `"`, `\`, `;`, `$`, `#`, `&`, non-ASCII letters,
 * a leading `-`). A command with an argument that cannot be written that way (a `'` or a line
 * break: libvirt accepts both in snapshot names, and `'` in domain names) runs in a virsh process
 * of its own instead, with every argument one of its argument array, and its reply is read the
 * same way.
 *
 * Only for commands that change nothing and cannot block on a guest: never an agent command (a
 * hung agent keeps libvirt busy ~5 s, and would stall every command after it).
 */

/**
 * What one command of a batch printed: its stdout, and what it printed on stderr, as `virshError`
 * reads it (lines without `error: `). `failed`: virsh reported an error for it (an `error: ` line).
 */
export interface BatchReply {
  stdout: string;
  errors: string[];
  failed: boolean;
}

/** Options of `runBatch`. */
export interface BatchOptions {
  /** Deadline of each virsh process (not of each command). Default 60 s. */
  timeoutMs?: number;
  /**
   * Most characters of commands per virsh process: Linux caps one argument at 128 KiB
   * (MAX_ARG_STRLEN). Longer lists are split over several processes. Default 96 000.
   */
  maxChars?: number;
  /**
   * How many virsh processes run at once. A batch of at least `parallel` × 50 commands is spread
   * over that many (libvirtd answers two connections in parallel: 200 domains' XML and snapshot
   * lists took 88 ms in two processes against 117 ms in one on the 2-core lab). Default 2.
   */
  parallel?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_CHARS = 96_000;
const DEFAULT_PARALLEL = 2;
/** Fewer commands than this per process, and a second process costs more (~30 ms) than it saves. */
const MIN_COMMANDS_PER_PROCESS = 50;

/**
 * Runs `commands` (argument arrays, the command name first) in as few virsh processes as fit,
 * and returns one reply per command, in order; a command virsh's syntax cannot carry runs alone
 * (see above), and past the deadline its reply is a failure that says so. Throws a HypervisorError
 * when a batch process does not run its batch to the end (virsh could not connect, was killed at
 * the deadline, or could not parse the line).
 */
export async function runBatch(virsh: Virsh, commands: readonly (readonly string[])[], options: BatchOptions = {}): Promise<BatchReply[]> {
  if (commands.length === 0) return [];
  const parallel = Math.max(1, options.parallel ?? DEFAULT_PARALLEL);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const batched: number[] = [];
  const alone: number[] = [];
  commands.forEach((words, i) => (words.slice(1).every(fitsInBatch) ? batched : alone).push(i));
  const replies: BatchReply[] = new Array<BatchReply>(commands.length);
  const [inBatches, byThemselves] = await Promise.all([
    runLines(
      virsh,
      batched.map((i) => commandLine(commands[i] ?? [])),
      parallel,
      timeoutMs,
      options.maxChars ?? DEFAULT_MAX_CHARS,
    ),
    mapBounded(alone, parallel, (i) => runAlone(virsh, commands[i] ?? [], timeoutMs)),
  ]);
  batched.forEach((i, k) => (replies[i] = inBatches[k] as BatchReply));
  alone.forEach((i, k) => (replies[i] = byThemselves[k] as BatchReply));
  return replies;
}

/** One command in a virsh process of its own, its arguments an array: its reply as a batch would give it. */
async function runAlone(virsh: Virsh, words: readonly string[], timeoutMs: number): Promise<BatchReply> {
  const result = await virsh.exec(words, timeoutMs);
  if (result.timedOut) {
    return { stdout: "", errors: [`virsh ${words[0]} did not finish within ${Math.round(timeoutMs / 1000)} s`], failed: true };
  }
  return { stdout: result.stdout, errors: virshErrorLines(result.stderr), failed: result.code !== 0 || virshReportedError(result.stderr) };
}

/** Command lines in batches, spread over processes as `runBatch` says. */
async function runLines(
  virsh: Virsh,
  lines: readonly string[],
  parallel: number,
  timeoutMs: number,
  maxChars: number,
): Promise<BatchReply[]> {
  if (lines.length === 0) return [];
  const spread = Math.max(1, Math.min(parallel, Math.floor(lines.length / MIN_COMMANDS_PER_PROCESS)));
  const chunks = chunkLines(lines, maxChars, spread);
  const replies = await mapBounded(chunks, parallel, async (chunk) => {
    const token = randomBytes(6).toString("hex");
    const result = await virsh.exec([batchScript(token, chunk)], timeoutMs);
    const step = `${chunk.length} batched virsh command(s)`;
    if (result.timedOut) throw new HypervisorError(`${step} did not finish within ${Math.round(timeoutMs / 1000)} s`, "batch");
    const split = splitBatchOutput(token, chunk.length, result.stdout, result.stderr);
    if (!split) {
      const said = virshErrorLines(result.stderr).filter((l) => !l.includes(`@@frost-${token}-`));
      throw new HypervisorError(said.join(": ") || `virsh exited with status ${result.code}`, "batch");
    }
    return split;
  });
  return replies.flat();
}

/**
 * Splits command lines, in order, into `spread` runs of about as many lines each, and those into
 * runs of at most `maxChars` characters (a longer line runs alone).
 */
export function chunkLines(lines: readonly string[], maxChars: number, spread = 1): string[][] {
  const chunks: string[][] = [];
  const per = Math.max(1, Math.ceil(lines.length / Math.max(1, spread)));
  for (let i = 0; i < lines.length; i += per) {
    let current: string[] = [];
    let size = 0;
    for (const line of lines.slice(i, i + per)) {
      const cost = line.length + MARKER_COST;
      if (current.length > 0 && size + cost > maxChars) {
        chunks.push(current);
        current = [];
        size = 0;
      }
      current.push(line);
      size += cost;
    }
    if (current.length > 0) chunks.push(current);
  }
  return chunks;
}

/** Characters the markers add around one command. */
const MARKER_COST = 80;

function marker(token: string, n: number | "end"): string {
  return `@@frost-${token}-${n}@@`;
}

/** The one argument virsh runs: each command line after its marker on both streams, then an end marker. */
export function batchScript(token: string, lines: readonly string[]): string {
  const mark = (n: number | "end") => `echo ${marker(token, n)}; echo --err ${marker(token, n)}`;
  return [...lines.map((line, n) => `${mark(n)}; ${line}`), mark("end")].join("; ");
}

/**
 * The replies of a batch of `count` commands, or undefined when either stream lacks a marker (the
 * batch did not run to its end).
 */
export function splitBatchOutput(token: string, count: number, stdout: string, stderr: string): BatchReply[] | undefined {
  const outs = segments(stdout, token, count);
  const errs = segments(stderr, token, count);
  if (!outs || !errs) return undefined;
  return outs.map((out, n) => {
    // The next marker's line begins with the `error: ` that `echo --err` prints before it.
    const err = (errs[n] ?? "").replace(/error: $/, "");
    return { stdout: out, errors: virshErrorLines(err), failed: virshReportedError(err) };
  });
}

/** The text after each marker up to the next one; undefined when any marker is missing. */
function segments(text: string, token: string, count: number): string[] | undefined {
  const found: string[] = [];
  let at = text.indexOf(marker(token, 0));
  for (let n = 0; n < count; n++) {
    if (at < 0) return undefined;
    const start = at + marker(token, n).length;
    const next = text.indexOf(marker(token, n + 1 < count ? n + 1 : "end"), start);
    if (next < 0) return undefined;
    found.push(text.slice(start, next));
    at = next;
  }
  return found;
}
