import type { ServiceType } from "./failure.js";

/** The root frost calls a service's API at, and its version segment (`v2`), which messages start paths with. */
export interface ApiRoot {
  root: string;
  version: string;
}

const VERSION = /^v\d+(\.\d+)?$/;
const WANTED: Record<ServiceType, string> = { identity: "v3", image: "v2", compute: "v2.1", network: "v2.0" };

/**
 * The API root from a catalog URL. Glance's endpoint usually has no version: `/v2` is appended
 * (a v1 endpoint is taken as v2: Glance v1 is gone). Nova's ends in `/v2.1`, perhaps followed by
 * the project id, and is kept as it is (a legacy `/v2` becomes `/v2.1`: microversions need it;
 * none at all gets `/v2.1`). Neutron's gets `/v2.0`.
 */
export function apiRoot(type: ServiceType, catalogUrl: string): ApiRoot {
  const url = new URL(catalogUrl);
  url.search = "";
  url.hash = "";
  const segments = url.pathname.split("/").filter((s) => s !== "");
  const wanted = WANTED[type];
  let at = lastVersion(segments);
  const last = segments.length - 1;
  if (type === "compute" && at >= 0) {
    if (segments[at] === "v2") segments[at] = wanted;
  } else if (at >= 0 && at === last) {
    const current = segments[at] as string;
    if (!(type === "image" && current.startsWith("v2."))) segments[at] = wanted;
  } else {
    segments.push(wanted);
    at = segments.length - 1;
  }
  url.pathname = `/${segments.join("/")}`;
  return { root: url.toString().replace(/\/+$/, ""), version: segments[at] ?? wanted };
}

function lastVersion(segments: string[]): number {
  for (let i = segments.length - 1; i >= 0; i--) if (VERSION.test(segments[i] as string)) return i;
  return -1;
}
