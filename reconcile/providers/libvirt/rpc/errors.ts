import { remoteError, type RemoteError } from "./remote-types.js";

/**
 * The errors of a libvirt connection. A LibvirtError is libvirt's own answer, in its own words;
 * the others say what happened to the connection or the call, and that libvirt did not answer.
 */

/** `virErrorNumber` values that callers decide on (libvirt's `virterror.h`). */
export const ERROR_CODES = {
  VIR_ERR_INTERNAL_ERROR: 1,
  VIR_ERR_NO_SUPPORT: 3,
  VIR_ERR_INVALID_ARG: 8,
  VIR_ERR_OPERATION_FAILED: 9,
  VIR_ERR_XML_ERROR: 27,
  VIR_ERR_DOM_EXIST: 28,
  VIR_ERR_SYSTEM_ERROR: 38,
  VIR_ERR_RPC: 39,
  VIR_ERR_NO_DOMAIN: 42,
  VIR_ERR_AUTH_FAILED: 45,
  VIR_ERR_NO_STORAGE_POOL: 49,
  VIR_ERR_NO_STORAGE_VOL: 50,
  VIR_ERR_OPERATION_INVALID: 55,
  VIR_ERR_CONFIG_UNSUPPORTED: 67,
  VIR_ERR_OPERATION_TIMEOUT: 68,
  VIR_ERR_NO_DOMAIN_SNAPSHOT: 72,
  VIR_ERR_ARGUMENT_UNSUPPORTED: 74,
  VIR_ERR_OPERATION_ABORTED: 78,
  VIR_ERR_NO_DOMAIN_METADATA: 80,
  VIR_ERR_OPERATION_UNSUPPORTED: 84,
  VIR_ERR_AGENT_UNRESPONSIVE: 86,
  VIR_ERR_RESOURCE_BUSY: 87,
  VIR_ERR_ACCESS_DENIED: 88,
  VIR_ERR_STORAGE_VOL_EXIST: 90,
  VIR_ERR_AUTH_UNAVAILABLE: 94,
  VIR_ERR_AGENT_UNSYNCED: 97,
  VIR_ERR_DEVICE_MISSING: 99,
  VIR_ERR_AGENT_COMMAND_TIMEOUT: 112,
  VIR_ERR_AGENT_COMMAND_FAILED: 113,
} as const;

/** The name of a known error code. */
export type ErrorCodeName = keyof typeof ERROR_CODES;

const NAME_BY_CODE = new Map<number, ErrorCodeName>(Object.entries(ERROR_CODES).map(([name, code]) => [code, name as ErrorCodeName]));

/**
 * libvirt refused a call. `message` is libvirt's message as virsh prints it on its last `error:`
 * line (`Domain not found: no domain with matching name 'web'`); `code` and `domain` are
 * `virErrorNumber` and `virErrorDomain`, `codeName` the code's name where frost knows it.
 */
export class LibvirtError extends Error {
  override readonly name = "LibvirtError";
  readonly codeName: ErrorCodeName | undefined;

  constructor(
    message: string,
    readonly code: number,
    readonly domain: number,
    readonly level: number,
    /** The libvirt API of the call that failed, e.g. `virDomainGetXMLDesc`. */
    readonly api: string,
  ) {
    super(message);
    this.codeName = NAME_BY_CODE.get(code);
  }

  /** True when the error has this code. */
  is(name: ErrorCodeName): boolean {
    return this.code === ERROR_CODES[name];
  }
}

/** Reads a `remote_error` payload into a LibvirtError for the call `api`. */
export function decodeLibvirtError(payload: Uint8Array, api: string): LibvirtError {
  let error: RemoteError;
  try {
    error = remoteError.decode(payload);
  } catch (e) {
    return new LibvirtError(
      `libvirt reported an error that could not be read: ${(e as Error).message}`,
      ERROR_CODES.VIR_ERR_RPC,
      7,
      2,
      api,
    );
  }
  return new LibvirtError(error.message ?? `libvirt error ${error.code} (no message)`, error.code, error.domain, error.level, api);
}

/**
 * The connection is gone (closed by frost, by libvirtd, by a dead transport, or a keepalive that
 * went unanswered): a call pending on it fails with this, as does any call made after.
 */
export class ConnectionLostError extends Error {
  override readonly name = "ConnectionLostError";
}

/**
 * libvirt did not answer a call within its deadline. The call may still be running in libvirtd;
 * its answer, if one comes, is dropped. The connection itself stays usable.
 */
export class CallTimeoutError extends Error {
  override readonly name = "CallTimeoutError";
  constructor(
    readonly api: string,
    readonly timeoutMs: number,
  ) {
    super(`libvirt did not answer ${api} within ${formatMs(timeoutMs)}`);
  }
}

/** A connection could not be opened: the transport, the daemon's authentication, or the URI. */
export class ConnectError extends Error {
  override readonly name = "ConnectError";
}

/** `1.5 s`, `250 ms`: a deadline as messages say it. */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${ms} ms`;
}
