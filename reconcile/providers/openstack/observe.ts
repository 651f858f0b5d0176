import { stat } from "node:fs/promises";
import type { DesiredState, HostSpec } from "../../config/types.js";
import type { ComputeAccess, ComputeGuest } from "../../compute.js";
import { fileDigest } from "../../images/image-facts.js";
import { imagesFor } from "../../config/derived.js";
import type { Flavor, GlanceImage, Network, NovaServer, OpenStackCloud } from "./cloud.js";

/**
 * A server's domain as seen on its compute host through libvirt; `missing` when that libvirt
 * answered and has no domain of the name Nova gives (Nova's record outlived the domain); or why
 * frost could not look (`computeHost` is Nova's name for the host, where Nova showed it).
 */
export type ComputeFact =
  | { status: "observed"; uri: string; domain: ComputeGuest }
  | { status: "missing"; uri: string; computeHost: string; domain: string }
  | { status: "unreachable"; uri?: string; computeHost?: string; reason: string };

/** A file read on the machine running frost (a kernel or ramdisk to upload). */
export type FileFact = { status: "read"; digest: string; bytes: number } | { status: "unreadable"; error: string };

/**
 * One OpenStack host as observed: what Glance and Nova hold (every image and server the
 * credentials can see), the flavors and networks to resolve names against, and, per declared
 * server whose compute host frost may reach, its libvirt domain (channel, agent answer).
 */
export interface OpenStackFacts {
  cloud: string;
  images: GlanceImage[];
  servers: NovaServer[];
  flavors: Flavor[];
  networks: Network[];
  compute: Record<string, ComputeFact>;
  /** Kernel and ramdisk files of the declared images, by path. */
  files: Record<string, FileFact>;
}

export interface ObserveOpenStackOptions {
  ping: boolean;
  pingTimeoutMs?: number;
  computeFor: (uri: string) => ComputeAccess;
}

/** Reads everything planning an OpenStack host needs. Fails (the host is unreachable) when Glance or Nova cannot be read. */
export async function observeOpenStack(
  host: HostSpec,
  desired: DesiredState,
  cloud: OpenStackCloud,
  options: ObserveOpenStackOptions,
): Promise<OpenStackFacts> {
  const instances = Object.values(desired.instances).filter((i) => i.host === host.name);
  const wantsNetworks = instances.some((i) => Array.isArray(i.networks) && i.networks.length > 0);
  const [images, servers, flavors, networks] = await Promise.all([
    cloud.listImages(),
    cloud.listServers(),
    instances.some((i) => i.flavor !== undefined) ? cloud.listFlavors() : Promise.resolve([]),
    wantsNetworks ? cloud.listNetworks() : Promise.resolve([]),
  ]);

  const compute: Record<string, ComputeFact> = {};
  const byUri = new Map<string, { instance: string; domain: string; computeHost: string }[]>();
  for (const instance of instances) {
    const matches = servers.filter((s) => s.name === instance.name);
    const server = matches.length === 1 ? matches[0] : undefined;
    if (!server) continue;
    if (server.computeHost === undefined || server.instanceName === undefined) {
      compute[instance.name] = {
        status: "unreachable",
        reason: "Nova does not show its compute host and libvirt name (the admin attributes need an admin role)",
      };
      continue;
    }
    const uri = host.compute[server.computeHost];
    if (uri === undefined) {
      compute[instance.name] = {
        status: "unreachable",
        computeHost: server.computeHost,
        reason: `compute host ${server.computeHost} is not listed under compute:`,
      };
      continue;
    }
    byUri.set(uri, [...(byUri.get(uri) ?? []), { instance: instance.name, domain: server.instanceName, computeHost: server.computeHost }]);
  }
  await Promise.all(
    [...byUri].map(async ([uri, wanted]) => {
      try {
        const guests = await options.computeFor(uri).guests(
          wanted.map((w) => w.domain),
          { ping: options.ping, ...(options.pingTimeoutMs !== undefined ? { pingTimeoutMs: options.pingTimeoutMs } : {}) },
        );
        for (const w of wanted) {
          const domain = guests[w.domain];
          compute[w.instance] = domain
            ? { status: "observed", uri, domain }
            : { status: "missing", uri, computeHost: w.computeHost, domain: w.domain };
        }
      } catch (e) {
        for (const w of wanted)
          compute[w.instance] = { status: "unreachable", uri, computeHost: w.computeHost, reason: (e as Error).message };
      }
    }),
  );

  const files: Record<string, FileFact> = {};
  for (const image of imagesFor(host, desired)) {
    for (const path of [image.kernel, image.initrd]) {
      if (path === undefined || files[path]) continue;
      files[path] = await readFileFact(path);
    }
  }
  return { cloud: cloud.name, images, servers, flavors, networks, compute, files };
}

async function readFileFact(path: string): Promise<FileFact> {
  try {
    const { size } = await stat(path);
    return { status: "read", digest: await fileDigest(path), bytes: size };
  } catch (e) {
    return { status: "unreadable", error: (e as Error).message };
  }
}
