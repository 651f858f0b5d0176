import type { Destruction } from "../../provider.js";
import type { OpenStackStep } from "./steps-model.js";

/**
 * What one change's OpenStack steps would lose, with the kinds of step that make it so: deleting a
 * server or an image is a destroy, rebuilding a server (its disk recreated from the image) a
 * rebuild. Nothing for retention's prune: steps that only delete frost's snapshot images (apply
 * still refuses one that is no longer frost's image of that server).
 */
export function openstackDestructions(steps: readonly OpenStackStep[]): Partial<Record<Destruction, string[]>> {
  if (steps.length > 0 && steps.every((s) => s.kind === "openstack-delete-snapshot")) return {};
  const out: Partial<Record<Destruction, string[]>> = {};
  for (const step of steps) {
    const what: Destruction | undefined =
      step.kind === "openstack-rebuild-server"
        ? "rebuild"
        : step.kind === "openstack-delete-server" || step.kind === "openstack-delete-snapshot"
          ? "destroy"
          : undefined;
    if (what === undefined) continue;
    const list = (out[what] ??= []);
    if (!list.includes(step.kind)) list.push(step.kind);
  }
  return out;
}
