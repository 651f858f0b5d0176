/**
 * Where every user-facing byte goes. Commands write through this, never to process streams
 * directly, so tests can capture output and feed answers.
 */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when a person is at the keyboard (stdin and stdout are terminals). */
  interactive: boolean;
  /** True when stderr is a terminal of known width, so a spinner may redraw it. */
  stderrIsTty: boolean;
  color: boolean;
  /** Reads one line from the user; only called when `interactive`. */
  ask(question: string): Promise<string>;
}

/** The process's own streams. */
export function processIo(): Io {
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    interactive,
    // A terminal that reports no width (a pty nobody sized, as under `script`) cannot be redrawn:
    // ora would compute its lines against 0 columns and clear forever.
    stderrIsTty: Boolean(process.stderr.isTTY) && (process.stderr.columns ?? 0) > 0,
    color: Boolean(process.stdout.isTTY) && process.env["NO_COLOR"] === undefined,
    ask: async (question) => {
      const { createInterface } = await import("node:readline/promises");
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}

/** ANSI styling that disappears when colour is off. */
export function styler(color: boolean): Record<"bold" | "green" | "yellow" | "red" | "dim" | "cyan", (s: string) => string> {
  const wrap = (code: number) => (s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { bold: wrap(1), green: wrap(32), yellow: wrap(33), red: wrap(31), dim: wrap(2), cyan: wrap(36) };
}
