import type { DomainState } from "../hypervisor.js";

/** libvirt's virDomainState numbers, as `virsh domstats --state` prints them. */
const STATE_BY_NUMBER: Record<string, DomainState> = {
  "1": "running",
  "2": "running", // blocked: running, waiting on a resource
  "3": "paused",
  "4": "running", // being shut down: still active
  "5": "shutoff",
};

/**
 * Reads `virsh domstats --state` output: a `Domain: 'NAME'` line per domain followed by indented
 * `state.state=N` lines. Returns name -> state for every domain on the host, active or not.
 * libvirt refuses a line break in a domain name (9.0: `invalid char in name`), so each name is
 * whole on its line, quotes, spaces and a leading `-` included.
 */
export function parseDomainStates(output: string): Map<string, DomainState> {
  const states = new Map<string, DomainState>();
  let current: string | undefined;
  for (const line of output.split("\n")) {
    const header = /^Domain: '(.*)'$/.exec(line);
    if (header) {
      current = header[1] as string;
      states.set(current, "other");
      continue;
    }
    const state = /^\s+state\.state=(\d+)$/.exec(line);
    if (state && current !== undefined) {
      states.set(current, STATE_BY_NUMBER[state[1] as string] ?? "other");
    }
  }
  return states;
}

/** True for states in which the domain has a live (running QEMU) definition. */
export function isActive(state: DomainState): boolean {
  return state === "running" || state === "paused" || state === "other";
}
