import { realTimers, type Timers } from "../timers.js";

/** What a reconcile pass reports: `error` when anything in it failed (the loop then backs off). */
export type PassResult = "ok" | "error";

/**
 * How the loop reports progress; the CLI prints, tests record. A hook that throws is reported to
 * `onError` and does not stop the loop.
 */
export interface LoopHooks {
  onPassStart?(reason: string): void;
  /** `nextInMs` is when the next pass is due: 0 for a pending trigger, undefined once stopped. */
  onPassEnd?(result: PassResult, durationMs: number, nextInMs: number | undefined): void;
  /** A pass that threw (it counts as `error`), or a hook that threw. */
  onError?(err: unknown): void;
}

/** Options of `ReconcileLoop`. Defaults: every 60 s ± 10 %, backing off to at most 10 min. */
export interface ReconcileLoopOptions {
  /**
   * One level-triggered pass: reload, observe, plan, apply, take due snapshots. `reason` is for
   * display only. When `signal` aborts, the pass should stop starting work and finish (thaw) what it began.
   */
  runPass(reason: string, signal: AbortSignal): Promise<PassResult>;
  intervalMs?: number;
  /** The interval varies by up to ± this fraction, so that many hosts do not pass in step. */
  jitter?: number;
  /** Upper bound of the backed-off interval (interval × 2^failures). */
  maxBackoffMs?: number;
  /** Returns a number in [0, 1); Math.random by default. */
  random?: () => number;
  timers?: Timers;
  hooks?: LoopHooks;
}

interface Flight {
  abort: AbortController;
  done: Promise<void>;
}

/**
 * Decides when reconcile passes run: at once on `trigger`, else on a jittered interval that backs off
 * exponentially after failed passes and resets after a good one. At most one pass runs at a time;
 * triggers during a pass coalesce into one pass right after it. Nothing runs until `start` or `trigger`.
 */
export class ReconcileLoop {
  readonly #run: ReconcileLoopOptions["runPass"];
  readonly #intervalMs: number;
  readonly #jitter: number;
  readonly #maxMs: number;
  readonly #random: () => number;
  readonly #timers: Timers;
  readonly #hooks: LoopHooks;
  #timer: { handle: unknown } | undefined;
  #flight: Flight | undefined;
  #pending: string[] | undefined;
  #failures = 0;
  #stopping: Promise<void> | undefined;

  constructor(options: ReconcileLoopOptions) {
    this.#run = options.runPass;
    this.#intervalMs = options.intervalMs ?? 60_000;
    this.#jitter = options.jitter ?? 0.1;
    this.#maxMs = Math.max(options.maxBackoffMs ?? 600_000, this.#intervalMs);
    this.#random = options.random ?? Math.random;
    this.#timers = options.timers ?? realTimers;
    this.#hooks = options.hooks ?? {};
  }

  /** Runs the first pass now; later ones follow on the interval. */
  start(reason = "startup"): void {
    this.trigger(reason);
  }

  /** Runs a pass now, or right after the one in flight (all triggers meanwhile make one pass). Ignored once stopped. */
  trigger(reason: string): void {
    if (this.#stopping) return;
    if (this.#flight) {
      this.#pending ??= [];
      if (!this.#pending.includes(reason)) this.#pending.push(reason);
      return;
    }
    this.#clearTimer();
    this.#begin(reason);
  }

  /** Failed passes since the last good one; the interval is multiplied by 2 to this power. */
  get consecutiveFailures(): number {
    return this.#failures;
  }

  /**
   * Starts no more passes, aborts the signal of the pass in flight and resolves when it has
   * finished. Idempotent: every call returns the same promise.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#clearTimer();
      this.#pending = undefined;
      const flight = this.#flight;
      if (!flight) return;
      flight.abort.abort(new Error("the watch is stopping"));
      await flight.done;
    })();
    return this.#stopping;
  }

  #begin(reason: string): void {
    // The flight is recorded before the pass starts, so a trigger from a hook within it only queues.
    const flight: Flight = { abort: new AbortController(), done: Promise.resolve() };
    this.#flight = flight;
    flight.done = this.#pass(reason, flight.abort.signal);
  }

  async #pass(reason: string, signal: AbortSignal): Promise<void> {
    const started = this.#timers.now();
    this.#safely(() => this.#hooks.onPassStart?.(reason));
    let result: PassResult;
    try {
      result = (await this.#run(reason, signal)) === "ok" ? "ok" : "error";
    } catch (err) {
      this.#report(err);
      result = "error";
    }
    this.#failures = result === "ok" ? 0 : this.#failures + 1;

    let next: number | undefined;
    if (this.#stopping) next = undefined;
    else if (this.#pending) next = 0;
    else next = this.#schedule();
    this.#safely(() => this.#hooks.onPassEnd?.(result, this.#timers.now() - started, next));
    this.#flight = undefined;

    const pending = this.#pending;
    this.#pending = undefined;
    if (pending && !this.#stopping) {
      this.#clearTimer();
      this.#begin(pending.join(", "));
    }
  }

  /** Arms the interval timer and returns its delay: interval × 2^failures, capped, with jitter. */
  #schedule(): number {
    const base = Math.min(this.#intervalMs * 2 ** this.#failures, this.#maxMs);
    const factor = 1 + this.#jitter * (2 * this.#random() - 1);
    const delay = Math.round(Math.min(base * factor, this.#maxMs));
    const timer = { handle: undefined as unknown };
    timer.handle = this.#timers.setTimeout(() => {
      if (this.#timer !== timer) return;
      this.#timer = undefined;
      this.trigger("interval");
    }, delay);
    this.#timer = timer;
    return delay;
  }

  #clearTimer(): void {
    if (this.#timer) this.#timers.clearTimeout(this.#timer.handle);
    this.#timer = undefined;
  }

  #safely(hook: () => void): void {
    try {
      hook();
    } catch (err) {
      this.#report(err);
    }
  }

  #report(err: unknown): void {
    try {
      this.#hooks.onError?.(err);
    } catch {
      // A failing error hook has nowhere left to report to.
    }
  }
}
