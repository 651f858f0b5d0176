import type { ComputeAccess } from "../../compute.js";
import type { Env, HostRef } from "../../provider.js";
import type { OpenStackCloud } from "./cloud.js";
import { cloudOfUri } from "../../config/openstack-uri.js";
import { httpCloud } from "./http/connect.js";

/** How frost reaches one OpenStack host: its cloud, and a compute host's libvirt by URI. */
export interface OpenStackConnection {
  cloud: OpenStackCloud;
  computeFor(uri: string): ComputeAccess;
}

/** One client per cloud per run: a Keystone token is reused until it expires. */
const clouds = new WeakMap<Env, Map<string, OpenStackCloud>>();

/**
 * The connection to an OpenStack host (by its `openstack:CLOUD` label): the one the run's
 * environment gives (a fake cloud, in tests), else the cloud over HTTP, with compute hosts reached
 * through `compute` (the libvirt provider's, wired by the registry).
 */
export function openstackOf(host: HostRef, env: Env, compute: (uri: string, env: Env) => ComputeAccess): OpenStackConnection {
  const given = env.connect?.(host) as OpenStackConnection | undefined;
  if (given) return given;
  let byLabel = clouds.get(env);
  if (!byLabel) clouds.set(env, (byLabel = new Map()));
  let cloud = byLabel.get(host.uri);
  if (!cloud) {
    const name = cloudOfUri(host.uri);
    byLabel.set(host.uri, (cloud = httpCloud(name !== undefined ? { cloud: name } : {})));
  }
  return { cloud, computeFor: (uri) => compute(uri, env) };
}
