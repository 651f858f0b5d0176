import fsp from "node:fs/promises";
import path from "node:path";
import { APPARMOR_DIR, includeName, underRoot } from "./apparmor-paths.js";

/** The directories whose profiles are reloaded: the system's and libvirt's per-domain ones. */
const PROFILE_DIRS = [APPARMOR_DIR, `${APPARMOR_DIR}/libvirt`];

/**
 * Files that are not loaded as profiles: AppArmor's own skip list (rc.apparmor.functions), hidden
 * and frost's temporary or backup files, and libvirt's TEMPLATE.* (the text virt-aa-helper copies
 * for each domain; loading it would only load a profile named LIBVIRT_TEMPLATE).
 */
function skipped(name: string): boolean {
  return (
    name.startsWith(".") ||
    name.startsWith("TEMPLATE.") ||
    name.includes(".frost-backup-") ||
    /(\.rpmnew|\.rpmsave|\.orig|\.rej|~|\.dpkg-(new|old|dist|bak|remove)|\.pacsave|\.pacnew)$/.test(name) ||
    /^.+\.new-[0-9.]+_[0-9]+$/.test(name)
  );
}

/** Whether `text` has a line that includes the abstraction, in any of AppArmor's include spellings. */
export function includesAbstraction(text: string, abstraction: string): boolean {
  const name = includeName(abstraction);
  const targets = [`"${path.posix.resolve("/", abstraction)}"`];
  if (name !== undefined) targets.push(`<${name}>`, `"${name}"`);
  return text.split("\n").some((line) => {
    const m = /^\s*#?include\s+(?:if\s+exists\s+)?(<[^>]*>|"[^"]*")\s*(?:#.*)?$/.exec(line.replace(/\r$/, ""));
    return m !== null && targets.includes(m[1] ?? "");
  });
}

/**
 * The profiles under `<root>/etc/apparmor.d/` and `<root>/etc/apparmor.d/libvirt/` (not deeper) that
 * include the abstraction directly, as host paths, sorted. Profiles disabled through
 * `/etc/apparmor.d/disable/<name>` are left out: they are not loaded, so there is nothing to reload.
 */
export async function findIncludingProfiles(root: string, abstraction: string): Promise<string[]> {
  const disabled = new Set(await listNames(underRoot(root, `${APPARMOR_DIR}/disable`)));
  const found: string[] = [];
  for (const dir of PROFILE_DIRS) {
    for (const name of await listNames(underRoot(root, dir))) {
      const hostPath = `${dir}/${name}`;
      if (skipped(name) || disabled.has(name) || path.posix.resolve("/", abstraction) === hostPath) continue;
      const file = underRoot(root, hostPath);
      const st = await fsp.stat(file).catch(() => undefined);
      if (!st?.isFile()) continue;
      const text = await fsp.readFile(file, "utf8").catch(() => "");
      if (includesAbstraction(text, abstraction)) found.push(hostPath);
    }
  }
  return found.sort();
}

/** The entry names of a directory, or none when it does not exist or cannot be read. */
async function listNames(dir: string): Promise<string[]> {
  return fsp.readdir(dir).catch(() => []);
}
