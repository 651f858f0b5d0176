import type { Change, Plan } from "../model.js";

/** What an apply is allowed to do beyond updates: destroy frost-created instances, replace them. */
export interface DestructiveAllowance {
  destroy: boolean;
  replace: boolean;
  /** Rebuilding a Nova server (its disk is recreated from the image). Unset: not allowed. */
  rebuild?: boolean;
}

/** True for a change that rebuilds a Nova server. */
export function isRebuild(change: Change): boolean {
  return change.steps.some((s) => s.kind === "openstack-rebuild-server");
}

/** True for a change that destroys an instance or recreates it (its disk's data is lost). */
export function isDestructive(change: Change): boolean {
  if (isRebuild(change)) return true;
  const instance = change.address.startsWith("instance.") || change.address.startsWith("server.");
  return instance && (change.action === "delete" || change.action === "replace");
}

/**
 * Why a plan may not be applied with these allowances, naming the flag that allows it; undefined
 * when it may. Checked before anything is changed.
 */
export function destructiveRefusal(plan: Plan, allow: DestructiveAllowance): string | undefined {
  const problems: string[] = [];
  const deletes = plan.changes.filter((c) => isDestructive(c) && c.action === "delete").map((c) => c.address);
  const replaces = plan.changes.filter((c) => isDestructive(c) && c.action === "replace").map((c) => c.address);
  if (deletes.length > 0 && !allow.destroy) problems.push(`it destroys ${deletes.join(", ")}: pass --allow-destroy to allow that`);
  const rebuilds = plan.changes.filter(isRebuild).map((c) => c.address);
  if (rebuilds.length > 0 && !allow.rebuild) {
    problems.push(`it rebuilds ${rebuilds.join(", ")} (Nova recreates their disks from the image): pass --allow-rebuild to allow that`);
  }
  if (replaces.length > 0 && !allow.replace)
    problems.push(`it replaces ${replaces.join(", ")} (their disks are recreated): pass --allow-replace to allow that`);
  return problems.length > 0 ? `Refusing to apply: ${problems.join("; ")}. Nothing was changed.` : undefined;
}
