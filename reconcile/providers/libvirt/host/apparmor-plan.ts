import type { AppArmorSpec } from "../../../config/types.js";
import { findBlock, renderWithBlock } from "./apparmor-block.js";
import { describeProblem, type RuleCheck } from "./apparmor-check.js";
import type { AppArmorObservation } from "./apparmor-observe.js";
import { APPARMOR_SECURITYFS, displayPath } from "./apparmor-paths.js";
import { digestOf } from "./file-state.js";

/**
 * The one change to the abstraction file, decided in full at plan time: `create` inserts frost's
 * block, `update` rewrites it, `delete` removes it. Apply refuses unless the file still has
 * `beforeDigest`, and writes exactly the content whose digest is `afterDigest` (the file with its
 * block holding `rules`). `add`/`remove` compare with the rules the block held; `reload` are the
 * profiles (host paths) to reload afterwards, empty where AppArmor is not enabled (`enforced`
 * false). `lines` and `notes` are for display only.
 */
export interface AppArmorChange {
  action: "create" | "update" | "delete";
  abstraction: string;
  beforeDigest: string;
  afterDigest: string;
  rules: string[];
  add: string[];
  remove: string[];
  reload: string[];
  enforced: boolean;
  lines: string[];
  notes: string[];
}

/** The AppArmor part of a host's plan: at most one change, remarks (nothing to do) and errors (plan is errored). */
export interface AppArmorPlan {
  change?: AppArmorChange;
  remarks: string[];
  errors: string[];
}

const MISSING_HINT = "is libvirt's AppArmor support installed? frost adds rules to libvirt's abstraction and does not create it";

/**
 * Plans the rule block. Pure. `check` is the parser's verdict on `spec.rules`, when the caller ran
 * one (apply checks again whatever it is). `manage: false` never plans a change; `auto` plans
 * only where AppArmor is enabled; `true` plans everywhere and says where nothing is enforced.
 */
export function planAppArmor(spec: AppArmorSpec, observed: AppArmorObservation, check?: RuleCheck): AppArmorPlan {
  const where = displayPath(spec.abstraction);
  const file = observed.file;
  if (spec.manage === "false") {
    const search = file.state === "present" ? findBlock(file.content) : undefined;
    if (search?.status === "present" || search?.status === "damaged") {
      return {
        remarks: [
          `manage: false: frost leaves ${where} alone, including the frost block it holds (remove the block by hand if it is no longer wanted)`,
        ],
        errors: [],
      };
    }
    return { remarks: [], errors: [] };
  }
  if (spec.manage === "auto" && !observed.enabled) {
    return {
      remarks: [`AppArmor is not enabled on this host (no ${APPARMOR_SECURITYFS}); manage: auto leaves ${where} alone`],
      errors: [],
    };
  }

  const rules = [...new Set(spec.rules.map((r) => r.trim()))];
  const errors = rules
    .filter((r) => r === "" || r.startsWith("#") || /[\r\n\0]/.test(r))
    .map((r) => `apparmor rule ${JSON.stringify(r)} is not a single rule line (blank, a comment, or more than one line)`);
  if (file.state === "missing") {
    const message = `abstraction file ${spec.abstraction} is missing: ${MISSING_HINT}`;
    return spec.manage === "true" ? { remarks: [], errors: [...errors, message] } : { remarks: [message], errors };
  }
  if (file.state === "unusable") return { remarks: [], errors: [...errors, `${spec.abstraction}: ${file.reason}`] };
  const search = findBlock(file.content);
  if (search.status === "damaged") {
    errors.push(
      `${spec.abstraction}:${search.line}: damaged frost block: ${search.problem}; repair or remove the block markers by hand, frost will not guess`,
    );
  }
  if (check?.status === "checked") errors.push(...check.problems.map(describeProblem));
  if (errors.length > 0 || search.status === "damaged") return { remarks: [], errors };

  const notEnforced = `not enforced on this host: AppArmor is not enabled (no ${APPARMOR_SECURITYFS})`;
  const before = search.status === "present" ? search.block.rules : [];
  const after = renderWithBlock(file.content, rules);
  const afterDigest = digestOf(after);
  const outside = rules.filter((r) => outsideBlock(file.content, search.status === "present" ? search.block : undefined).includes(r));
  const remarks = outside.map((r) => `apparmor rule "${r}" is also in ${where} outside frost's block`);
  if (afterDigest === file.digest) {
    return {
      remarks: observed.enabled || rules.length === 0 ? remarks : [...remarks, `apparmor rules in ${where} are ${notEnforced}`],
      errors: [],
    };
  }

  const add = rules.filter((r) => !before.includes(r));
  const remove = before.filter((r) => !rules.includes(r));
  const lines = [...add.map((r) => `+ apparmor rule "${r}" in ${where}`), ...remove.map((r) => `- apparmor rule "${r}" in ${where}`)];
  if (lines.length === 0)
    lines.push(`~ frost block in ${where} rewritten: its text differs from the declared rules (edited by hand, or reordered)`);
  const reload = observed.enabled ? observed.profiles : [];
  const notes: string[] = [];
  if (!observed.enabled) notes.push(`the rules are ${notEnforced}`);
  else if (reload.length > 0) notes.push(`reloads ${reload.length} profile(s) that include ${where}: ${reload.join(", ")}`);
  else notes.push(`no profile under /etc/apparmor.d includes ${where} yet; libvirt reads it when it next generates a domain's profile`);
  const unchecked =
    check?.status === "unchecked" ? check.reason : !check && !observed.parser.available ? observed.parser.reason : undefined;
  if (rules.length > 0 && unchecked !== undefined) notes.push(`rules not checked: ${unchecked}`);
  const action = search.status === "absent" ? "create" : rules.length === 0 ? "delete" : "update";
  return {
    change: {
      action,
      abstraction: spec.abstraction,
      beforeDigest: file.digest,
      afterDigest,
      rules,
      add,
      remove,
      reload,
      enforced: observed.enabled,
      lines,
      notes,
    },
    remarks,
    errors: [],
  };
}

/** The trimmed lines of the content outside frost's block. */
function outsideBlock(content: string, block?: { start: number; end: number }): string[] {
  const text = block ? content.slice(0, block.start) + content.slice(block.end) : content;
  return text.split("\n").map((l) => l.trim());
}
