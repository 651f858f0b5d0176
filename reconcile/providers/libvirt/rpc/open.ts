import { DEFAULT_CALL_TIMEOUT_MS, RpcConnection } from "./connection.js";
import { CallTimeoutError, ConnectError, ConnectionLostError, LibvirtError, formatMs } from "./errors.js";
import { DEFAULT_KEEPALIVE, type KeepaliveOptions } from "./keepalive.js";
import { AUTH_LIST, CONNECT_OPEN, CONNECT_SUPPORTS_FEATURE } from "./procedures.js";
import { FEATURE_PROGRAM_KEEPALIVE } from "./programs.js";
import { connectSsh } from "./ssh-transport.js";
import { parseTarget, type ConnectTarget } from "./target.js";
import type { Transport } from "./transport.js";
import { connectUnix } from "./unix-transport.js";

/** Options of a new connection. */
export interface OpenOptions {
  /** The deadline of connecting, authenticating and opening the driver (default 10 s). */
  connectTimeoutMs?: number;
  /** The deadline of a call that gives none (default 60 s). */
  callTimeoutMs?: number;
  /** libvirt's keepalive (default: a ping after 5 s of silence, dead after 5 unanswered). */
  keepalive?: KeepaliveOptions;
  /** Environment for `qemu:///session`'s socket and for ssh (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** The ssh program (default `ssh`). */
  sshProgram?: string;
}

/** The default deadline of opening a connection. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** `remote_auth_type` by number, for messages. */
const AUTH_NAMES: Record<number, string> = { 0: "none", 1: "SASL", 2: "polkit" };

/**
 * Opens a connection to the libvirt daemon of `uri` as libvirt's own client does: the transport,
 * the daemon's list of authentication schemes (only `none` is done: root on the host's socket, a
 * user on their own session socket, or whoever ssh let in; SASL and polkit are refused with what
 * to change), the keepalive feature, then CONNECT_OPEN of the driver URI. Any failure within the
 * deadline is a ConnectError that names the URI and what went wrong, in libvirt's or ssh's words.
 */
export async function openConnection(uri: string, options: OpenOptions = {}): Promise<RpcConnection> {
  const target = parseTarget(uri, options.env);
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const transport = await openTransport(target, timeoutMs, options);
  return openOver(transport, uri, target.driverUri, { ...options, connectTimeoutMs: Math.max(1, deadline - Date.now()) });
}

/**
 * The handshake on a transport already there: the daemon's authentication schemes, the keepalive
 * feature, CONNECT_OPEN of `driverUri`. On failure the transport is closed and the error says why.
 */
export async function openOver(transport: Transport, uri: string, driverUri: string, options: OpenOptions = {}): Promise<RpcConnection> {
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const left = () => Math.max(1, deadline - Date.now());
  const connection = new RpcConnection(transport, uri, options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
  try {
    const { types } = await connection.call(AUTH_LIST, undefined, { timeoutMs: left() });
    if (types.length > 0 && !types.includes(0)) {
      const asked = types.map((t) => AUTH_NAMES[t] ?? `type ${t}`).join(", ");
      throw new ConnectError(
        `libvirt at ${uri} asks for ${asked} authentication, which frost does not do: connect as root on the host ` +
          `(or over qemu+ssh:// as a user the daemon's socket lets in), or set the daemon's auth_unix_rw to "none"`,
      );
    }
    const { supported } = await connection.call(CONNECT_SUPPORTS_FEATURE, { feature: FEATURE_PROGRAM_KEEPALIVE }, { timeoutMs: left() });
    await connection.call(CONNECT_OPEN, { name: driverUri, flags: 0 }, { timeoutMs: left() });
    if (supported !== 0) connection.startKeepalive(options.keepalive ?? DEFAULT_KEEPALIVE);
    return connection;
  } catch (e) {
    connection.abandon("the connection could not be opened");
    throw openFailure(uri, e, timeoutMs);
  }
}

function openTransport(target: ConnectTarget, timeoutMs: number, options: OpenOptions): Promise<Transport> {
  if (target.kind === "unix") return connectUnix(target.socketPath, timeoutMs);
  return Promise.resolve(connectSsh(target, timeoutMs, options.sshProgram, options.env));
}

/** The error of a failed open, saying which URI and why. */
function openFailure(uri: string, e: unknown, timeoutMs: number): Error {
  if (e instanceof ConnectError) return e;
  if (e instanceof CallTimeoutError) return new ConnectError(`could not open a libvirt connection to ${uri} within ${formatMs(timeoutMs)}`);
  if (e instanceof ConnectionLostError)
    return new ConnectError(`could not open a libvirt connection to ${uri}: ${e.message.replace(/^.*? was lost: /, "")}`);
  if (e instanceof LibvirtError) return new ConnectError(`could not open a libvirt connection to ${uri}: ${e.message}`);
  return new ConnectError(`could not open a libvirt connection to ${uri}: ${(e as Error).message}`);
}
