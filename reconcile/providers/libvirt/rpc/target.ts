import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { ConnectError } from "./errors.js";

/**
 * Where a libvirt URI leads, and how to get there: a local unix socket, or ssh to a host whose
 * end of the pipe is `virt-ssh-helper` (or `nc -U` on the daemon's socket). Only what frost can do
 * safely is accepted; everything else is a ConnectError naming the part of the URI refused.
 */

/** `qemu:///system` or `qemu:///session`: what CONNECT_OPEN is asked for, on whichever host. */
export type DriverUri = "qemu:///system" | "qemu:///session";

/** How ssh reaches the daemon on the other end: libvirt's `proxy` parameter. */
export type SshProxy = "auto" | "netcat" | "native";

/** Which daemon socket: libvirt's `mode` parameter (`legacy` libvirtd, `direct` virtqemud). */
export type DaemonMode = "auto" | "legacy" | "direct";

export interface UnixTarget {
  kind: "unix";
  driverUri: DriverUri;
  socketPath: string;
}

export interface SshTarget {
  kind: "ssh";
  driverUri: DriverUri;
  host: string;
  user?: string;
  port?: number;
  keyfile?: string;
  noVerify: boolean;
  noTty: boolean;
  proxy: SshProxy;
  /** The daemon's socket on the remote host, for the `nc -U` way. */
  remoteSocket: string;
}

export type ConnectTarget = UnixTarget | SshTarget;

/** The system daemons' read-write sockets. */
const SYSTEM_SOCKETS: Record<Exclude<DaemonMode, "auto">, string> = {
  legacy: "/var/run/libvirt/libvirt-sock",
  direct: "/var/run/libvirt/virtqemud-sock",
};

const PARAMS: Record<"unix" | "ssh", readonly string[]> = {
  unix: ["mode"],
  ssh: ["mode", "proxy", "keyfile", "no_verify", "no_tty"],
};

const REFUSED_TRANSPORTS: Record<string, string> = {
  ext: "it runs the program the URI's command= names",
  tcp: "it is unencrypted and unauthenticated",
  tls: "frost does not speak TLS to libvirt; use qemu+ssh://",
  libssh: "it prompts on a terminal",
  libssh2: "it prompts on a terminal",
};

/** A host name, an IPv4 address or a bracketed IPv6 address; never an option-like `-x`. */
const HOST_RE = /^(?:[A-Za-z0-9_](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?|\[[0-9A-Fa-f:.]+\])$/;
const USER_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

function refuse(uri: string, why: string): never {
  throw new ConnectError(`refusing libvirt URI ${uri}: ${why}`);
}

/**
 * The target of `uri`. `env` supplies `XDG_RUNTIME_DIR` and `HOME` for `qemu:///session`, whose
 * socket is the user's own (`$XDG_RUNTIME_DIR/libvirt/libvirt-sock`, else `~/.cache/libvirt/`).
 */
export function parseTarget(uri: string, env: NodeJS.ProcessEnv = process.env): ConnectTarget {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    refuse(uri, "not a URI");
  }
  const [driver, transport = "unix", ...more] = url.protocol.replace(/:$/, "").split("+");
  if (driver !== "qemu" || more.length > 0)
    refuse(uri, `frost speaks to the QEMU driver only (qemu://, qemu+ssh://), not ${url.protocol}//`);
  if (transport in REFUSED_TRANSPORTS) refuse(uri, `transport ${transport}: ${REFUSED_TRANSPORTS[transport]}`);
  if (transport !== "unix" && transport !== "ssh") refuse(uri, `unknown transport ${transport}`);
  if (url.pathname !== "/system" && url.pathname !== "/session")
    refuse(uri, `the path must be /system or /session, not ${url.pathname || "empty"}`);
  if (url.hash !== "") refuse(uri, "a URI fragment (#…) means nothing to libvirt");
  const driverUri: DriverUri = `qemu://${url.pathname}` as DriverUri;
  const params = new Map<string, string>();
  for (const [key, value] of url.searchParams) {
    if (!PARAMS[transport].includes(key))
      refuse(uri, `parameter ${key} is not accepted with ${transport === "unix" ? "a local" : "an ssh"} URI`);
    if (params.has(key)) refuse(uri, `parameter ${key} given twice`);
    params.set(key, value);
  }
  const mode = oneOf(uri, "mode", params.get("mode") ?? "auto", ["auto", "legacy", "direct"] as const);

  if (transport === "unix") {
    if (url.host !== "") refuse(uri, "a local URI names no host (qemu:///system); use qemu+ssh://HOST/system for another host");
    return { kind: "unix", driverUri, socketPath: localSocket(driverUri, mode, env) };
  }

  const host = url.hostname;
  if (host === "") refuse(uri, "qemu+ssh:// needs a host");
  if (!HOST_RE.test(host)) refuse(uri, `host ${host} is not a host name or address`);
  const user = url.username === "" ? undefined : decodeURIComponent(url.username);
  if (user !== undefined && !USER_RE.test(user)) refuse(uri, `user ${user} is not a user name`);
  if (url.password !== "") refuse(uri, "a password in the URI: use the ssh agent or keyfile=");
  const keyfile = params.get("keyfile");
  if (keyfile !== undefined && (!keyfile.startsWith("/") || keyfile.includes("\n"))) refuse(uri, "keyfile= must be an absolute path");
  let proxy = oneOf(uri, "proxy", params.get("proxy") ?? "auto", ["auto", "netcat", "native"] as const);
  if (driverUri === "qemu:///session") {
    // The remote user's session socket is known only on the remote host: virt-ssh-helper finds it.
    if (proxy === "netcat") refuse(uri, "a remote session daemon is reached through virt-ssh-helper only (proxy=native or auto)");
    proxy = "native";
  }
  return {
    kind: "ssh",
    driverUri,
    host: host.startsWith("[") ? host.slice(1, -1) : host,
    ...(user !== undefined ? { user } : {}),
    ...(url.port !== "" ? { port: Number(url.port) } : {}),
    ...(keyfile !== undefined ? { keyfile } : {}),
    noVerify: flag(uri, "no_verify", params.get("no_verify")),
    noTty: flag(uri, "no_tty", params.get("no_tty")),
    proxy,
    remoteSocket: SYSTEM_SOCKETS[mode === "direct" ? "direct" : "legacy"],
  };
}

/** The local socket of the driver URI: the system daemon's, or this user's session daemon's. */
function localSocket(driverUri: DriverUri, mode: DaemonMode, env: NodeJS.ProcessEnv): string {
  if (driverUri === "qemu:///system") {
    // auto, as libvirt's own client: the monolithic daemon's socket, else the modular QEMU daemon's.
    if (mode === "auto")
      return existsSync(SYSTEM_SOCKETS.legacy) || !existsSync(SYSTEM_SOCKETS.direct) ? SYSTEM_SOCKETS.legacy : SYSTEM_SOCKETS.direct;
    return SYSTEM_SOCKETS[mode];
  }
  const runtime = env.XDG_RUNTIME_DIR;
  const base = runtime !== undefined && runtime !== "" ? join(runtime, "libvirt") : join(env.HOME ?? homedir(), ".cache", "libvirt");
  return join(base, mode === "direct" ? "virtqemud-sock" : "libvirt-sock");
}

function oneOf<T extends string>(uri: string, name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) refuse(uri, `${name}=${value}: expected one of ${allowed.join(", ")}`);
  return value as T;
}

function flag(uri: string, name: string, value: string | undefined): boolean {
  if (value === undefined || value === "0") return false;
  if (value === "1") return true;
  return refuse(uri, `${name}=${value}: expected 0 or 1`);
}
