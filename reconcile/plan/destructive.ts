import type { Change, Plan } from "../model.js";
import type { Destruction } from "../provider.js";
import { providerOfStep } from "../providers/registry.js";

/** What an apply is allowed to do beyond updates: destroy frost-created instances, replace them. */
export interface DestructiveAllowance {
  destroy: boolean;
  replace: boolean;
  /** Rebuilding a Nova server (its disk is recreated from the image). Unset: not allowed. */
  rebuild?: boolean;
}

/** What a change does that an apply must be allowed explicitly, each with its flag (see provider.ts). */
export type { Destruction } from "../provider.js";

/**
 * What a change's steps would lose, by the provider whose steps they are, each with the kinds of
 * step that make it so. The change's `action` is a label for display and decides nothing (a saved
 * plan is a file, and its labels say whatever it says).
 */
function destructionKinds(change: Change): Partial<Record<Destruction, string[]>> {
  const first = change.steps[0];
  const provider = first ? providerOfStep(first) : undefined;
  return provider ? provider.destructions(change.steps) : {};
}

/** What a change needs an allowance for: `destroy` (`--allow-destroy`), `replace` (`--allow-replace`), `rebuild` (`--allow-rebuild`). */
export function destructionsOf(change: Change): Destruction[] {
  const found = destructionKinds(change);
  return (["destroy", "replace", "rebuild"] as const).filter((d) => (found[d]?.length ?? 0) > 0);
}

/** True for a change that destroys, replaces or rebuilds anything, by its steps. */
export function isDestructive(change: Change): boolean {
  return destructionsOf(change).length > 0;
}

/** The step kinds that make a change need `what`, for a message about a change whose label says otherwise. */
function stepKindsFor(change: Change, what: Destruction): string[] {
  return destructionKinds(change)[what] ?? [];
}

/** `instance.web`, or where the label says something else, `instance.web (labelled "update", but it has undefine-domain steps)`. */
function named(change: Change, what: Destruction, label: Change["action"] | undefined): string {
  if (label === undefined || change.action === label) return change.address;
  return `${change.address} (labelled "${change.action}", but it has ${stepKindsFor(change, what).join(", ")} steps)`;
}

/**
 * Why a plan may not be applied with these allowances, naming the flag that allows it; undefined
 * when it may. Judged from the steps (see `destructionsOf`), before anything is changed.
 */
export function destructiveRefusal(plan: Plan, allow: DestructiveAllowance): string | undefined {
  const problems: string[] = [];
  const needing = (what: Destruction, label?: Change["action"]) =>
    plan.changes
      .filter((c) => destructionsOf(c).includes(what))
      .map((c) => named(c, what, label))
      .join(", ");
  const deletes = needing("destroy", "delete");
  const replaces = needing("replace", "replace");
  const rebuilds = needing("rebuild");
  if (deletes && !allow.destroy) problems.push(`it destroys ${deletes}: pass --allow-destroy to allow that`);
  if (rebuilds && !allow.rebuild) {
    problems.push(`it rebuilds ${rebuilds} (Nova recreates their disks from the image): pass --allow-rebuild to allow that`);
  }
  if (replaces && !allow.replace) problems.push(`it replaces ${replaces} (their disks are recreated): pass --allow-replace to allow that`);
  return problems.length > 0 ? `Refusing to apply: ${problems.join("; ")}. Nothing was changed.` : undefined;
}
