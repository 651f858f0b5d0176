import type { HostSpec } from "../../../config/types.js";
import type { Diagnostic } from "../../../diagnostics.js";
import type { RuleCheck } from "../host/apparmor-check.js";
import type { AppArmorObservation } from "../host/apparmor-observe.js";
import { planAppArmor } from "../host/apparmor-plan.js";
import type { Remark } from "../../../model.js";
import type { LibvirtChange } from "../steps.js";

/** The AppArmor side of one host, as observed: the abstraction file and the parser's verdict on the rules. */
export interface AppArmorFacts {
  observation: AppArmorObservation;
  check?: RuleCheck;
}

/** True for a libvirt URI that names the machine frost runs on (`qemu:///system`), whose files frost can manage. */
export function isLocalUri(uri: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/\//i.test(uri);
}

/**
 * Plans the host's AppArmor rule block as one change addressed `host.<name>`, with the helper's
 * display lines (`+ apparmor rule "…" in abstractions/libvirt-qemu`) as its reason. `manage: auto`
 * on a host without AppArmor is silent: nothing to do, nothing worth saying on every plan.
 */
export function planHostAppArmor(
  host: HostSpec,
  facts: AppArmorFacts | undefined,
): { change?: LibvirtChange; remarks: Remark[]; diagnostics: Diagnostic[] } {
  const address = `host.${host.name}`;
  if (!facts) {
    if (host.apparmor.manage !== "true") return { remarks: [], diagnostics: [] };
    return {
      remarks: [],
      diagnostics: [
        {
          severity: "warning",
          code: "plan.apparmor-remote",
          summary: `host ${host.name} (${host.uri}) is not this machine: frost manages AppArmor rules only on the host it runs on`,
          detail: "Run frost on that host (frost watch there), or set apparmor.manage: auto.",
          pos: host.pos,
          source: "user",
        },
      ],
    };
  }
  if (host.apparmor.manage === "auto" && !facts.observation.enabled) return { remarks: [], diagnostics: [] };
  const planned = planAppArmor(host.apparmor, facts.observation, facts.check);
  const remarks = planned.remarks.map((message) => ({ host: host.name, address, message }));
  const diagnostics: Diagnostic[] = planned.errors.map((summary) => ({
    severity: "error",
    code: "plan.apparmor",
    summary,
    pos: host.pos,
    source: "user",
  }));
  if (!planned.change) return { remarks, diagnostics };
  const c = planned.change;
  return {
    remarks,
    diagnostics,
    change: {
      host: host.name,
      address,
      action: c.action,
      before: { rules: c.rules.filter((r) => !c.add.includes(r)).concat(c.remove) },
      after: { rules: c.rules },
      reason: c.lines.join("\n"),
      steps: [{ kind: "apparmor", change: c }],
      notes: c.notes,
    },
  };
}
