import { vi } from "vitest";
import { ReconcileLoop, type PassResult, type ReconcileLoopOptions } from "../../../reconcile/watch/loop.js";

/** One call of the scripted `runPass`: what it was given, when, and how to end it. */
export interface PassCall {
  reason: string;
  signal: AbortSignal;
  startedAt: number;
  finish(result: PassResult | Error): void;
  finished: boolean;
}

/**
 * A scripted `runPass` and a loop around it, for tests under vitest's fake timers. Passes end at
 * once with the next scripted outcome; once the script is used up, they are held until `finish`.
 */
export class LoopScenario {
  readonly calls: PassCall[] = [];
  readonly ends: { result: PassResult; durationMs: number; nextInMs: number | undefined }[] = [];
  readonly errors: unknown[] = [];
  readonly loop: ReconcileLoop;
  #script: (PassResult | Error)[] = [];

  constructor(options: Partial<ReconcileLoopOptions> = {}) {
    this.loop = new ReconcileLoop({
      runPass: (reason, signal) => this.#runPass(reason, signal),
      intervalMs: 60_000,
      random: () => 0.5,
      hooks: {
        onPassEnd: (result, durationMs, nextInMs) => this.ends.push({ result, durationMs, nextInMs }),
        onError: (err) => this.errors.push(err),
      },
      ...options,
    });
  }

  /** Outcomes for the next passes, in order. */
  script(...outcomes: (PassResult | Error)[]): this {
    this.#script.push(...outcomes);
    return this;
  }

  /** The most recent pass. */
  get last(): PassCall {
    const call = this.calls.at(-1);
    if (!call) throw new Error("no pass has run");
    return call;
  }

  /** Advances fake time, letting passes that end in between settle. */
  async advance(ms: number): Promise<void> {
    await vi.advanceTimersByTimeAsync(ms);
  }

  #runPass(reason: string, signal: AbortSignal): Promise<PassResult> {
    return new Promise<PassResult>((resolve, reject) => {
      const call: PassCall = {
        reason,
        signal,
        startedAt: Date.now(),
        finished: false,
        finish: (outcome) => {
          call.finished = true;
          if (outcome instanceof Error) reject(outcome);
          else resolve(outcome);
        },
      };
      this.calls.push(call);
      const next = this.#script.shift();
      if (next !== undefined) call.finish(next);
    });
  }
}
