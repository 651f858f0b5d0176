import type { RpcConnection } from "./connection.js";
import { CONNECT_GET_CAPABILITIES, CONNECT_GET_LIB_VERSION } from "./procedures.js";

/** `virsh capabilities`: the host's capabilities XML (its UUID, CPUs, guests it can run). */
export async function capabilities(c: RpcConnection): Promise<string> {
  return (await c.call(CONNECT_GET_CAPABILITIES, undefined)).capabilities;
}

/** The daemon's libvirt version as `major.minor.release` (`virsh version`'s "Using library"). */
export async function libVersion(c: RpcConnection): Promise<string> {
  const v = Number((await c.call(CONNECT_GET_LIB_VERSION, undefined)).libVer);
  return `${Math.floor(v / 1_000_000)}.${Math.floor(v / 1000) % 1000}.${v % 1000}`;
}
