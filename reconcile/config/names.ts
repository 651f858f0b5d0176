/**
 * Names of hosts, images, instances, schedules and pools. Instance names become libvirt domain names
 * and reach `virsh` as arguments, and names appear in snapshot names, file names and logs, so they are
 * held to a strict rule rather than libvirt's looser one.
 */
export const NAME_RULE = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,63}$/;

export const NAME_RULE_TEXT = "a name is 1 to 64 characters: letters, digits, '_', '.', '+' and '-', starting with a letter, digit or '_'";

/** Hook names become file names in the guest's /etc/qemu/fsfreeze-hook.d/. */
export const HOOK_NAME_RULE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export const HOOK_NAME_RULE_TEXT =
  "a hook name is letters, digits, '.', '_' and '-', starting with a letter or digit (it becomes a file name in /etc/qemu/fsfreeze-hook.d/)";

/** Why `name` breaks the name rule, as a phrase ("starts with '-', ..."), or undefined when it is valid. */
export function nameProblem(name: string): string | undefined {
  if (NAME_RULE.test(name)) return undefined;
  if (name === "") return "is empty";
  const control = [...name].find((c) => /[\u0000-\u001f\u007f-\u009f]/.test(c));
  if (control !== undefined) {
    const code = (control.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
    return `contains the control character U+${code}, which would corrupt command lines, file names and logs`;
  }
  if (/\s/.test(name)) return "contains whitespace, which would split it into two arguments on a command line";
  if (name.includes("/")) return "contains '/', which file paths and libvirt would read as a directory separator";
  if (name.startsWith("-")) return "starts with '-', so virsh and other commands would read it as an option";
  if (name.startsWith(".")) return "starts with '.', which makes hidden files and path components like '..'";
  if (name.length > 64) return `is ${name.length} characters long; at most 64 are allowed`;
  const bad = [...name].find((c) => !/[A-Za-z0-9_.+-]/.test(c));
  return `contains "${bad ?? "?"}", which is not allowed in a name`;
}

/**
 * A name as it should appear in a message: control characters escaped, so the message stays one
 * line (JSON's escapes, and `\uXXXX` for DEL, C1 and the line and paragraph separators, which JSON
 * leaves as they are).
 */
export function showName(name: string): string {
  return JSON.stringify(name).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`);
}

/**
 * The dotted path of `key` under `parent` for messages (`instances.web.memory`); a key that is not a
 * plain name is quoted (`instances["a/b"]`), so that control characters never reach a terminal raw.
 */
export function keyPath(parent: string, key: string): string {
  if (/^[A-Za-z0-9_][A-Za-z0-9_+-]*$/.test(key)) return parent === "" ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}
