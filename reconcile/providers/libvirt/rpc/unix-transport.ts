import { createConnection } from "node:net";
import { ConnectError, formatMs } from "./errors.js";
import { StreamTransport, type Transport } from "./transport.js";

/**
 * Connects to libvirtd's unix socket at `path`, within `timeoutMs`. A missing socket or a refused
 * connection is a ConnectError that says which socket and what to check.
 */
export function connectUnix(path: string, timeoutMs: number): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ path });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ConnectError(`could not connect to libvirt's socket ${path} within ${formatMs(timeoutMs)}`));
    }, timeoutMs);
    socket.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new ConnectError(explain(path, e)));
    });
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      socket.setNoDelay(true);
      resolve(new StreamTransport(`unix socket ${path}`, socket, socket, () => socket.destroy()));
    });
  });
}

/** Why a unix socket could not be reached, in words an operator can act on. */
function explain(path: string, e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case "ENOENT":
      return `no libvirt daemon socket at ${path}: is libvirtd (or virtqemud) running on this host?`;
    case "ECONNREFUSED":
      return `libvirt's socket ${path} refused the connection: the daemon is not accepting connections (stopped, or restarting)`;
    case "EACCES":
    case "EPERM":
      return `permission denied on libvirt's socket ${path}: run frost as root, or as a user the socket lets in (unix_sock_group)`;
    default:
      return `could not connect to libvirt's socket ${path}: ${e.message}`;
  }
}
