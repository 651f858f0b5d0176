import type { Step } from "../model.js";
import { providerOfStep } from "../providers/registry.js";

/**
 * One step in plain words, naming everything it acts on exactly as apply will, in its provider's
 * words (each provider's `describeStep`). A saved plan is a file: a step no provider knows is said
 * as it is rather than hidden.
 */
export function describeStep(step: Step): string {
  const provider = providerOfStep(step);
  return provider ? provider.describeStep(step) : `unknown step ${JSON.stringify(step)}`;
}

/** The steps of a change, one numbered line each, in the order apply runs them. */
export function describeSteps(steps: readonly Step[]): string[] {
  return steps.map((step, i) => `${i + 1}. ${describeStep(step)}`);
}
