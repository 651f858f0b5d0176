import type { RpcConnection } from "./connection.js";
import { DOMAIN_FSFREEZE, DOMAIN_FSTHAW, QEMU_DOMAIN_AGENT_COMMAND } from "./procedures.js";
import type { DomainRef } from "./remote-types.js";

/** libvirt's special agent timeouts: wait forever, libvirt's default (5 s), or do not wait. */
export const AGENT_TIMEOUT = { block: -2, default: -1, nowait: 0 } as const;

/** What frost's call deadline adds to libvirt's agent timeout: libvirt answers first. */
const AGENT_DEADLINE_MARGIN_MS = 5_000;

/**
 * `virsh qemu-agent-command DOM JSON --timeout SECONDS`: one command to the guest agent through
 * the QEMU program, with libvirt's own timeout. A hung agent makes libvirt answer with its error
 * (`Guest agent is not responding: …`) after `timeoutSeconds`, and the connection carries other
 * calls meanwhile. Resolves to the agent's JSON reply, as text.
 */
export async function agentCommand(c: RpcConnection, dom: DomainRef, command: string, timeoutSeconds: number): Promise<string> {
  const timeoutMs = timeoutSeconds > 0 ? timeoutSeconds * 1000 + AGENT_DEADLINE_MARGIN_MS : undefined;
  const { result } = await c.call(
    QEMU_DOMAIN_AGENT_COMMAND,
    { dom, cmd: command, timeout: timeoutSeconds, flags: 0 },
    timeoutMs !== undefined ? { timeoutMs } : {},
  );
  return result ?? "";
}

/** `virsh domfsfreeze`: freezes the guest's filesystems (all, or those mounted at `mountpoints`) through the agent; resolves to how many. */
export async function fsFreeze(c: RpcConnection, dom: DomainRef, mountpoints: readonly string[] = [], timeoutMs?: number): Promise<number> {
  return (await c.call(DOMAIN_FSFREEZE, { dom, mountpoints: [...mountpoints], flags: 0 }, timeoutMs !== undefined ? { timeoutMs } : {}))
    .filesystems;
}

/** `virsh domfsthaw`: thaws them; resolves to how many. */
export async function fsThaw(c: RpcConnection, dom: DomainRef, mountpoints: readonly string[] = [], timeoutMs?: number): Promise<number> {
  return (await c.call(DOMAIN_FSTHAW, { dom, mountpoints: [...mountpoints], flags: 0 }, timeoutMs !== undefined ? { timeoutMs } : {}))
    .filesystems;
}
