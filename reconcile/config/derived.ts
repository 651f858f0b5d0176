import type { DesiredState, HostSpec, ImageSpec, InstanceSpec } from "./types.js";

/* What the configuration implies beyond what it says, whatever kind of host reads it. */

/** The images a host needs: those its created instances use, or every image in a one-host configuration. */
export function imagesFor(host: HostSpec, desired: DesiredState): ImageSpec[] {
  const single = Object.keys(desired.hosts).length === 1;
  const used = new Set(
    Object.values(desired.instances)
      .filter((i) => i.host === host.name && i.image !== undefined)
      .map((i) => i.image as string),
  );
  return Object.values(desired.images).filter((i) => single || used.has(i.name));
}

/**
 * Whether the instance should have the agent channel: its own `agent:` first, then its image's
 * `hw_qemu_guest_agent`; undefined when neither says (the channel is then left as it is).
 */
export function wantsAgent(instance: InstanceSpec, desired: DesiredState): boolean | undefined {
  if (instance.agent !== undefined) return instance.agent;
  return instance.image !== undefined ? desired.images[instance.image]?.agent : undefined;
}
