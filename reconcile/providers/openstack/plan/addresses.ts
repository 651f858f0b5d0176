import type { Address } from "../../../model.js";

/** The address of an instance on an OpenStack host: `server.web`. */
export function serverAddress(name: string): Address {
  return `server.${name}`;
}

/** The address of an image: `image.cirros`. */
export function imageAddress(name: string): Address {
  return `image.${name}`;
}
