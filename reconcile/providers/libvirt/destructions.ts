import type { Destruction } from "../../provider.js";
import type { LibvirtStep } from "./steps.js";

/** Domains that the steps undefine and then define again: replaced, not destroyed. */
function replacedDomains(steps: readonly LibvirtStep[]): Set<string> {
  const replaced = new Set<string>();
  steps.forEach((step, i) => {
    if (step.kind !== "undefine-domain") return;
    if (steps.slice(i + 1).some((s) => s.kind === "define-domain" && s.spec.name === step.domain)) replaced.add(step.domain);
  });
  return replaced;
}

/**
 * What one change's libvirt steps would lose, with the kinds of step that make it so: undefining a
 * domain, deleting a volume or a snapshot is a destroy; undefining a domain that the same change
 * defines again (its disk recreated) is a replacement. Nothing for retention's prune: steps that only
 * delete snapshots (the driver still refuses, when applying, one without frost's record). Even a disk
 * a create that failed halfway left is a destroy: that it is frost's leftover is a proof frost makes
 * (plan/instance-disks.ts), and the operator says yes to it.
 */
export function libvirtDestructions(steps: readonly LibvirtStep[]): Partial<Record<Destruction, string[]>> {
  if (steps.length > 0 && steps.every((s) => s.kind === "delete-snapshot")) return {};
  const replaced = replacedDomains(steps);
  const out: Partial<Record<Destruction, string[]>> = {};
  const add = (what: Destruction, ...kinds: string[]) => {
    const list = (out[what] ??= []);
    for (const k of kinds) if (!list.includes(k)) list.push(k);
  };
  for (const step of steps) {
    switch (step.kind) {
      case "undefine-domain":
        if (replaced.has(step.domain)) add("replace", "undefine-domain", "define-domain");
        else add("destroy", "undefine-domain");
        break;
      case "delete-snapshot":
      case "delete-volume":
        if (!replaced.has(step.domain)) add("destroy", step.kind);
        break;
      default:
        break;
    }
  }
  return out;
}
