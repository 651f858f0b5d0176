import type { Change, Plan, Step } from "../model.js";

/** What an apply is allowed to do beyond updates: destroy frost-created instances, replace them. */
export interface DestructiveAllowance {
  destroy: boolean;
  replace: boolean;
  /** Rebuilding a Nova server (its disk is recreated from the image). Unset: not allowed. */
  rebuild?: boolean;
}

/**
 * What a change does that an apply must be allowed explicitly, each with its flag: `destroy`
 * (`--allow-destroy`), `replace` (`--allow-replace`), `rebuild` (`--allow-rebuild`).
 */
export type Destruction = "destroy" | "replace" | "rebuild";

/**
 * True for a change whose steps are nothing but deletions of snapshots frost took: retention's
 * prune, which needs no flag. The driver still refuses, when applying, a snapshot that does not
 * carry frost's record (libvirt) or is not frost's image of that server (OpenStack).
 */
function isPrune(steps: readonly Step[]): boolean {
  return (
    steps.length > 0 && (steps.every((s) => s.kind === "delete-snapshot") || steps.every((s) => s.kind === "openstack-delete-snapshot"))
  );
}

/** Domains that the steps undefine and then define again: replaced, not destroyed. */
function replacedDomains(steps: readonly Step[]): Set<string> {
  const replaced = new Set<string>();
  steps.forEach((step, i) => {
    if (step.kind !== "undefine-domain") return;
    if (steps.slice(i + 1).some((s) => s.kind === "define-domain" && s.spec.name === step.domain)) replaced.add(step.domain);
  });
  return replaced;
}

/**
 * What a change needs an allowance for, derived from its steps alone: its `action` is a label for
 * display and decides nothing (a saved plan is a file, and its labels say whatever it says).
 * Undefining a domain, deleting a volume, a snapshot, an OpenStack server or image needs what a
 * destroy needs; undefining a domain that the same change defines again (its disk recreated) is a
 * replacement; rebuilding a server is a rebuild. One case needs nothing: a prune (see `isPrune`).
 * Even a disk a create that failed halfway left is deleted only with `--allow-destroy`: that it is
 * frost's leftover is a proof frost makes (see plan/instance-disks.ts), and the operator says yes to it.
 */
export function destructionsOf(change: Change): Destruction[] {
  const steps = change.steps;
  if (isPrune(steps)) return [];
  const replaced = replacedDomains(steps);
  const found = new Set<Destruction>();
  steps.forEach((step, i) => {
    switch (step.kind) {
      case "openstack-rebuild-server":
        found.add("rebuild");
        break;
      case "openstack-delete-server":
      case "openstack-delete-snapshot":
        found.add("destroy");
        break;
      case "undefine-domain":
        found.add(replaced.has(step.domain) ? "replace" : "destroy");
        break;
      case "delete-snapshot":
        if (!replaced.has(step.domain)) found.add("destroy");
        break;
      case "delete-volume":
        if (!replaced.has(step.domain)) found.add("destroy");
        break;
      default:
        break;
    }
  });
  return (["destroy", "replace", "rebuild"] as const).filter((d) => found.has(d));
}

/** True for a change that destroys, replaces or rebuilds anything, by its steps. */
export function isDestructive(change: Change): boolean {
  return destructionsOf(change).length > 0;
}

/** The step kinds that make a change need `what`, for a message about a change whose label says otherwise. */
function stepKindsFor(change: Change, what: Destruction): string[] {
  const kinds: Record<Destruction, readonly string[]> = {
    destroy: ["undefine-domain", "delete-volume", "delete-snapshot", "openstack-delete-server", "openstack-delete-snapshot"],
    replace: ["undefine-domain", "define-domain"],
    rebuild: ["openstack-rebuild-server"],
  };
  return [...new Set(change.steps.map((s) => s.kind).filter((k) => kinds[what].includes(k)))];
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
