/**
 * The block of rule lines frost owns inside an AppArmor file, as pure text functions. Everything
 * outside the block is kept byte for byte; a damaged block is reported, never guessed at.
 */

/** The first line of frost's block. Recognised by its prefix up to "rules", so the trailer may be edited. */
export const BLOCK_BEGIN = "# BEGIN frost managed rules (do not edit; frost rewrites this block)";

/** The last line of frost's block. */
export const BLOCK_END = "# END frost managed rules";

const BEGIN_PREFIX = "# BEGIN frost managed rules";

/**
 * frost's block as found in a file. `start` is the offset of the BEGIN line's first character,
 * `end` the offset just past the END line's line break (or the end of the content when the END
 * line is the last, unterminated line). Offsets index the decoded string (the file is checked to be
 * UTF-8 that round-trips, so slicing outside [start, end) keeps every other byte). `rules` are the
 * trimmed lines inside that are neither blank nor comments; `beginLine`/`endLine` are 1-based.
 */
export interface FrostBlock {
  start: number;
  end: number;
  rules: string[];
  beginLine: number;
  endLine: number;
}

/** The result of looking for the block: none, one, or a damaged one (with the line that shows it). */
export type BlockSearch =
  { status: "absent" } | { status: "present"; block: FrostBlock } | { status: "damaged"; line: number; problem: string };

/** Raised when asked to render into content whose block is damaged. */
export class DamagedBlockError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = "DamagedBlockError";
  }
}

/** Splits content into lines with their offsets; `next` is the offset after the line's terminator. */
function lines(content: string): { text: string; start: number; next: number }[] {
  const out: { text: string; start: number; next: number }[] = [];
  let start = 0;
  while (start < content.length) {
    const nl = content.indexOf("\n", start);
    const next = nl === -1 ? content.length : nl + 1;
    out.push({ text: content.slice(start, nl === -1 ? content.length : nl), start, next });
    start = next;
  }
  return out;
}

/** Finds frost's block. Two BEGINs, a BEGIN without END, an END without BEGIN or two blocks are damage. */
export function findBlock(content: string): BlockSearch {
  let found: FrostBlock | undefined;
  let open: { start: number; line: number; rules: string[] } | undefined;
  for (const [i, l] of lines(content).entries()) {
    const t = l.text.trim();
    const n = i + 1;
    if (t.startsWith(BEGIN_PREFIX)) {
      if (open)
        return {
          status: "damaged",
          line: n,
          problem: `a second "${BEGIN_PREFIX}" line before the END of the block that begins at line ${open.line}`,
        };
      if (found)
        return { status: "damaged", line: n, problem: `a second frost block (the first is at lines ${found.beginLine}-${found.endLine})` };
      open = { start: l.start, line: n, rules: [] };
    } else if (t.startsWith(BLOCK_END)) {
      if (!open) return { status: "damaged", line: n, problem: `"${BLOCK_END}" without a BEGIN line before it` };
      found = { start: open.start, end: l.next, rules: open.rules, beginLine: open.line, endLine: n };
      open = undefined;
    } else if (open && t !== "" && !t.startsWith("#")) {
      open.rules.push(t);
    }
  }
  if (open) return { status: "damaged", line: open.line, problem: `the frost block that begins here has no "${BLOCK_END}" line` };
  return found ? { status: "present", block: found } : { status: "absent" };
}

/** The line terminator the file already uses (CRLF if its first line ends so), for the lines frost writes. */
function lineEnding(content: string): string {
  const nl = content.indexOf("\n");
  return nl > 0 && content[nl - 1] === "\r" ? "\r\n" : "\n";
}

/** The block's text for `rules`, each indented like Debian's abstraction, ending with a line break. */
export function blockText(rules: readonly string[], eol = "\n"): string {
  return [BLOCK_BEGIN, ...rules.map((r) => `  ${r}`), BLOCK_END].map((l) => l + eol).join("");
}

/**
 * The content with frost's block holding exactly `rules`: updated in place when present, appended
 * at the end when absent (after a line break if the content does not end with one), removed when
 * `rules` is empty. Every byte outside the block is kept. Throws DamagedBlockError on a damaged block.
 */
export function renderWithBlock(content: string, rules: readonly string[]): string {
  const search = findBlock(content);
  if (search.status === "damaged")
    throw new DamagedBlockError(`damaged frost block at line ${search.line}: ${search.problem}`, search.line);
  const eol = lineEnding(content);
  const text = rules.length > 0 ? blockText(rules, eol) : "";
  if (search.status === "present") {
    return content.slice(0, search.block.start) + text + content.slice(search.block.end);
  }
  if (text === "") return content;
  const separator = content === "" || content.endsWith("\n") ? "" : eol;
  return content + separator + text;
}
