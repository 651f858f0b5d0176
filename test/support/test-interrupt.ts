import { INTERRUPT_EXIT, type Interrupt, type InterruptReason } from "../../cmd/interrupt.js";

/** An interrupt for command tests: no process signal handlers; `fire` aborts like a signal would during critical work. */
export function testInterrupt(): Interrupt {
  const controller = new AbortController();
  let reason: InterruptReason | undefined;
  return {
    signal: controller.signal,
    exitCode: () => (reason !== undefined ? INTERRUPT_EXIT[reason] : undefined),
    critical: (fn) => fn(),
    fire(why) {
      reason ??= why;
      controller.abort(new Error(`interrupted: ${why}`));
    },
  };
}
