import type { EndpointInterface } from "./credentials.js";

export interface CatalogEndpoint {
  interface: string;
  region?: string;
  url: string;
}

export interface CatalogService {
  type: string;
  endpoints: CatalogEndpoint[];
}

/** The service catalog of a token body (`token.catalog`); entries frost cannot read are skipped. */
export function parseCatalog(value: unknown): CatalogService[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const services: CatalogService[] = [];
  for (const entry of value as unknown[]) {
    if (typeof entry !== "object" || entry === null) continue;
    const { type, endpoints } = entry as { type?: unknown; endpoints?: unknown };
    if (typeof type !== "string" || !Array.isArray(endpoints)) continue;
    const list: CatalogEndpoint[] = [];
    for (const e of endpoints as unknown[]) {
      if (typeof e !== "object" || e === null) continue;
      const { interface: iface, region_id, region, url } = e as Record<string, unknown>;
      if (typeof iface !== "string" || typeof url !== "string") continue;
      const r = typeof region_id === "string" ? region_id : typeof region === "string" ? region : undefined;
      list.push({ interface: iface, url, ...(r !== undefined ? { region: r } : {}) });
    }
    services.push({ type, endpoints: list });
  }
  return services;
}

/** The endpoint's URL; or why there is none (`absent`: the catalog has no such service at all). */
export type EndpointChoice = { url: string } | { absent: true; problem: string } | { absent: false; problem: string };

/**
 * The endpoint of service `type` for `iface` in `region` (any region when unset, as long as only
 * one offers it: frost does not guess between regions).
 */
export function chooseEndpoint(
  catalog: CatalogService[],
  type: string,
  iface: EndpointInterface,
  region: string | undefined,
): EndpointChoice {
  const services = catalog.filter((s) => s.type === type);
  if (services.length === 0) {
    const types = [...new Set(catalog.map((s) => s.type))].sort();
    return { absent: true, problem: `the catalog has no ${type} service (it has: ${types.join(", ") || "nothing"})` };
  }
  const all = services.flatMap((s) => s.endpoints);
  const byInterface = all.filter((e) => e.interface === iface);
  const matching = region === undefined ? byInterface : byInterface.filter((e) => e.region === region);
  const urls = [...new Set(matching.map((e) => e.url))];
  if (urls.length === 1) return { url: urls[0] as string };
  const offered = all.map((e) => `${e.interface}${e.region !== undefined ? ` in ${e.region}` : ""}`);
  if (urls.length === 0) {
    return {
      absent: false,
      problem:
        `the catalog's ${type} service has no ${iface} endpoint${region !== undefined ? ` in region ${region}` : ""} ` +
        `(it has: ${[...new Set(offered)].join(", ") || "none"}); set interface: (OS_INTERFACE) or region_name: (OS_REGION_NAME) to one it has`,
    };
  }
  const regions = [...new Set(matching.map((e) => e.region ?? "(none)"))];
  return {
    absent: false,
    problem: `the catalog's ${type} service has ${iface} endpoints in ${regions.length > 1 ? `regions ${regions.join(", ")}` : `region ${regions[0]}, several`}; set region_name: (OS_REGION_NAME) to choose one`,
  };
}
