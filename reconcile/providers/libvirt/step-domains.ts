import type { LibvirtStep as Step } from "./steps.js";

/**
 * The libvirt domains a step acts on, or is for: its `domain`, and for a definition also the name
 * in the definition itself, which is the domain libvirt defines. Empty for steps that act on no
 * domain: OpenStack steps (they check the cloud themselves), AppArmor (it carries its own digest
 * check), a pool or an image upload.
 */
export function stepDomains(step: Step): string[] {
  if (step.kind === "define-domain") return step.spec.name === step.domain ? [step.domain] : [step.domain, step.spec.name];
  return "domain" in step ? [step.domain] : [];
}
