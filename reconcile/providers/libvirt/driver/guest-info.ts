import type { AgentCapabilities } from "../hypervisor.js";

/** The commands behind each capability frost uses; a capability is there only when all of them are enabled. */
export const CAPABILITY_COMMANDS: Record<Exclude<keyof AgentCapabilities, "disabled">, readonly string[]> = {
  fsfreeze: ["guest-fsfreeze-freeze", "guest-fsfreeze-thaw"],
  fileRead: ["guest-file-open", "guest-file-read", "guest-file-close"],
  fileWrite: ["guest-file-open", "guest-file-write", "guest-file-close"],
  exec: ["guest-exec", "guest-exec-status"],
};

/**
 * Reads guest-info's answer (`{version, supported_commands: [{name, enabled}]}`): the agent's
 * version and what it lets frost do. A command frost needs that guest-info does not list (an older
 * agent) counts as disabled and is listed in `disabled` too. Only meaningful while the guest is thawed: qemu-ga reports most
 * commands disabled while frozen.
 */
export function parseGuestInfo(info: unknown): { version?: string; capabilities: AgentCapabilities } {
  const record = (info ?? {}) as Record<string, unknown>;
  const list = Array.isArray(record["supported_commands"]) ? (record["supported_commands"] as Record<string, unknown>[]) : [];
  const enabled = new Set(list.filter((c) => c["enabled"] === true).map((c) => String(c["name"])));
  const has = (names: readonly string[]) => names.every((n) => enabled.has(n));
  return {
    ...(typeof record["version"] === "string" ? { version: record["version"] } : {}),
    capabilities: {
      fsfreeze: has(CAPABILITY_COMMANDS.fsfreeze),
      fileRead: has(CAPABILITY_COMMANDS.fileRead),
      fileWrite: has(CAPABILITY_COMMANDS.fileWrite),
      exec: has(CAPABILITY_COMMANDS.exec),
      disabled: [
        ...new Set([
          ...list.filter((c) => c["enabled"] !== true).map((c) => String(c["name"])),
          ...Object.values(CAPABILITY_COMMANDS)
            .flat()
            .filter((n) => !list.some((c) => c["name"] === n)),
        ]),
      ].sort(),
    },
  };
}
