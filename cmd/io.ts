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
  /**
   * Reads one line from the user; only called when `interactive`. Ctrl-C at the prompt resolves
   * undefined (the caller treats it as the interrupt it is).
   */
  ask(question: string): Promise<string | undefined>;
  /**
   * Calls `listener` once, when writing to stdout or stderr failed (a pipe whose reader left, a
   * terminal that went away): from then on that stream is written no more, and nothing throws.
   */
  onClosed(listener: () => void): void;
}

/** The process's own streams. */
export function processIo(): Io {
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const closed = new Set<NodeJS.WriteStream>();
  const listeners: (() => void)[] = [];
  // An 'error' listener on each stream, installed before anything is written: without one, EPIPE
  // or EIO would end the process on the spot, with a guest perhaps frozen.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", () => {
      if (closed.has(stream)) return;
      closed.add(stream);
      for (const listener of listeners.splice(0)) listener();
    });
  }
  const write = (stream: NodeJS.WriteStream, text: string): void => {
    if (closed.has(stream) || stream.destroyed) return;
    try {
      stream.write(text);
    } catch {
      // reported through the 'error' event
    }
  };
  return {
    out: (t) => write(process.stdout, t),
    err: (t) => write(process.stderr, t),
    onClosed: (listener) => void listeners.push(listener),
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
      } catch (e) {
        if ((e as Error).name === "AbortError") return undefined; // Ctrl-C at the prompt
        throw e;
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
