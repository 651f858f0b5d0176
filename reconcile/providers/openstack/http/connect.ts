import { homedir } from "node:os";
import type { OpenStackCloud } from "../cloud.js";
import { loadCredentials } from "../auth/load.js";
import { KeystoneSession } from "../auth/session.js";
import { GlanceApi } from "./glance.js";
import { HttpCloud } from "./http-cloud.js";
import { NeutronApi } from "./neutron.js";
import { NOVA_HEADERS, NovaApi } from "./nova.js";
import { ServiceClient, type CloudContext } from "./service.js";
import { createTransport } from "./transport.js";

/** frost's deadline for one request when none is configured. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface HttpCloudOptions {
  /** The clouds.yaml entry (frost's `cloud:`); unset: OS_CLOUD, else the OS_* variables. */
  cloud?: string;
  /** Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Where ./clouds.yaml is looked for; default: process.cwd(). */
  cwd?: string;
  /** Where ~/.config/openstack is; default: the user's home. */
  home?: string;
  /** frost's deadline per request (an upload gets more with its size); default 30 s. */
  requestTimeoutMs?: number;
}

/**
 * The real OpenStack cloud: Keystone v3 password authentication, then Glance, Nova and Neutron
 * over HTTP. Synchronous and lazy: nothing is read or sent until the first call, and a problem with
 * the credentials surfaces as the error of that call. `name` is the cloud's name, or
 * `OS_* environment` when the OS_* variables are used.
 */
export function httpCloud(options: HttpCloudOptions): OpenStackCloud {
  const env = options.env ?? process.env;
  const cloud = options.cloud ?? (env["OS_CLOUD"] || undefined);
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return new HttpCloud(cloud ?? "OS_* environment", async () => {
    const credentials = await loadCredentials({
      ...(options.cloud !== undefined ? { cloud: options.cloud } : {}),
      env,
      cwd: options.cwd ?? process.cwd(),
      home: options.home ?? homedir(),
    });
    const transport = await createTransport(
      { verify: credentials.verify, ...(credentials.cacert !== undefined ? { cacert: credentials.cacert } : {}) },
      credentials.source,
    );
    const context: CloudContext = { session: new KeystoneSession(credentials, transport, timeoutMs), transport, timeoutMs };
    return {
      glance: new GlanceApi(new ServiceClient("image", context)),
      nova: new NovaApi(new ServiceClient("compute", context, { ...NOVA_HEADERS })),
      neutron: new NeutronApi(new ServiceClient("network", context)),
    };
  });
}
