import { volumeUsers, type VolumeRef, type VolumeUser } from "../disk-use.js";
import { readDefinitions } from "./definition-observe.js";
import { isActive, parseDomainStates } from "./domain-list.js";
import type { Virsh } from "./virsh.js";

/**
 * The domains that use a pool's volume at this moment, read the way a plan reads them: every
 * domain's persistent disks and a running domain's live disks with their backing chains, in one
 * batch (`vol-path` first: a volume that does not exist fails here with libvirt's words). A
 * shut-off domain's persistent definition lists no backing file of an image it was defined with,
 * so a volume a shut-off domain reaches only that way is not seen here (see DiskUse).
 */
export async function usersOfVolume(virsh: Virsh, pool: string, volume: string): Promise<{ ref: VolumeRef; users: VolumeUser[] }> {
  const path = (await virsh.run(["vol-path", "--pool", pool, "--vol", volume])).trim();
  const states = parseDomainStates(await virsh.run(["domstats", "--state"]));
  const names = [...states.keys()];
  const definitions = await readDefinitions(virsh, names, { live: names.filter((n) => isActive(states.get(n) ?? "other")) });
  const domains = Object.entries(definitions).map(([name, d]) => ({
    name,
    persistent: d.disks ?? [],
    ...(d.liveDisks ? { live: d.liveDisks } : {}),
  }));
  const ref: VolumeRef = { pool, volume, path };
  return { ref, users: volumeUsers(domains, ref) };
}
