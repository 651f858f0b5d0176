/** Readers of what virsh commands print, exactly as libvirt 9 prints it. */

/**
 * The count in `Froze 2 filesystem(s)` (domfsfreeze) or `Thawed 2 filesystem(s)` (domfsthaw).
 * virsh prints these only when not quiet (-q hides them). Throws when the line is not there.
 */
export function parseFilesystemCount(output: string, verb: "Froze" | "Thawed"): number {
  const match = new RegExp(`^${verb} (\\d+) filesystem\\(s\\)$`, "m").exec(output);
  if (!match)
    throw new Error(
      `virsh did not say how many filesystems it ${verb === "Froze" ? "froze" : "thawed"} (it printed ${JSON.stringify(output.trim())})`,
    );
  return Number(match[1]);
}

/** The `return` member of a guest-agent answer (`{"return":…}`), or undefined when there is none. */
export function parseAgentReturn(output: string): unknown {
  const line = output.split("\n").find((l) => l.trim().startsWith("{"));
  if (line === undefined) return undefined;
  try {
    const value = JSON.parse(line) as unknown;
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>)["return"] : undefined;
  } catch {
    return undefined;
  }
}

/** guest-fsfreeze-status's answer, folded: `frozen` or `thawed` (anything else is unknown). */
export function parseFreezeStatus(output: string): "frozen" | "thawed" | undefined {
  const value = parseAgentReturn(output);
  return value === "frozen" || value === "thawed" ? value : undefined;
}

/** One disk of a domain as `domblklist --details` lists it. */
export interface BlockDevice {
  type: string;
  device: string;
  target: string;
}

/**
 * Reads `virsh domblklist --details`: ` Type   Device   Target   Source` rows (after a header and
 * a dashed line when not quiet). The source is not read: it may contain spaces, and frost does not
 * need it (libvirt names the overlays).
 */
export function parseBlockDevices(output: string): BlockDevice[] {
  const devices: BlockDevice[] = [];
  for (const line of output.split("\n")) {
    const [type, device, target] = line.trim().split(/\s+/);
    if (type === undefined || device === undefined || target === undefined) continue;
    if (type === "Type" || /^-+$/.test(type)) continue;
    devices.push({ type, device, target });
  }
  return devices;
}
