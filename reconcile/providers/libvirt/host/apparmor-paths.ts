import path from "node:path";

/** Where AppArmor keeps its policy; `#include <x>` names are relative to it. */
export const APPARMOR_DIR = "/etc/apparmor.d";

/** The directory whose existence means AppArmor is enabled in the running kernel. */
export const APPARMOR_SECURITYFS = "/sys/kernel/security/apparmor";

/**
 * Resolves a host path (absolute, as the configuration writes it) under `root`, so that tests can
 * work on a temporary tree. `..` cannot climb above the root: the path is normalised first.
 */
export function underRoot(root: string, hostPath: string): string {
  return path.join(root, path.posix.resolve("/", hostPath));
}

/** How a host path is shown in a plan: relative to /etc/apparmor.d when it lies there (`abstractions/libvirt-qemu`). */
export function displayPath(hostPath: string): string {
  const rel = includeName(hostPath);
  return rel ?? hostPath;
}

/**
 * The name a profile uses to include this file (`abstractions/libvirt-qemu` for
 * /etc/apparmor.d/abstractions/libvirt-qemu), or undefined when it lies outside /etc/apparmor.d
 * and can only be included by its quoted absolute path.
 */
export function includeName(hostPath: string): string | undefined {
  const normal = path.posix.resolve("/", hostPath);
  const prefix = `${APPARMOR_DIR}/`;
  return normal.startsWith(prefix) ? normal.slice(prefix.length) : undefined;
}
