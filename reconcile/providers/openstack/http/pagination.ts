import { unreadableAnswer } from "./failure.js";
import type { ServiceClient } from "./service.js";
import { arrayAt, isObject, stringAt } from "./json-fields.js";

/** At most this many pages: a service that keeps answering with a next link is a bug frost reports, not a loop. */
const MAX_PAGES = 10_000;

/** One page: its items, and the next link when there is one. */
export interface Page {
  items: unknown[];
  next?: string;
}

/**
 * The query of a next link, to be sent to frost's own endpoint: Glance's is `/v2/images?marker=…`
 * (relative to its root), Nova's an absolute URL whose host may be a name frost cannot reach (the
 * link prefix Nova is configured with). Only the marker and limit matter, so only the query is taken.
 */
export function nextQuery(link: string): string {
  return new URL(link, "http://next.invalid/").search;
}

/** The href of the rel=next entry of a Nova `*_links` list. */
export function relNext(links: unknown): string | undefined {
  if (!Array.isArray(links)) return undefined;
  for (const link of links as unknown[])
    if (isObject(link) && link["rel"] === "next" && typeof link["href"] === "string") return link["href"];
  return undefined;
}

/** A Glance page: `{"images": […], "next": "/v2/images?marker=…"}`. */
export function glancePage(key: string): (body: unknown) => Page {
  return (body) => {
    const next = stringAt(body, "next");
    return { items: arrayAt(body, key), ...(next !== undefined ? { next } : {}) };
  };
}

/** A Nova or Neutron page: `{"servers": […], "servers_links": [{"rel": "next", "href": …}]}` (os-instance-actions: `links`). */
export function linkedPage(key: string, linksKey = `${key}_links`): (body: unknown) => Page {
  return (body) => {
    const next = relNext(isObject(body) ? body[linksKey] : undefined);
    return { items: arrayAt(body, key), ...(next !== undefined ? { next } : {}) };
  };
}

/** Every item of a paginated listing: GET `path` (query included), then each next page at the same path, until there is none. */
export async function allPages(client: ServiceClient, path: string, read: (body: unknown) => Page): Promise<unknown[]> {
  const base = path.replace(/\?.*$/, "");
  const items: unknown[] = [];
  const seen = new Set<string>();
  let current = path;
  for (let page = 1; ; page++) {
    const { value, answer } = await client.json("GET", current);
    const { items: more, next } = read(value);
    items.push(...more);
    if (next === undefined || more.length === 0) return items;
    const query = nextQuery(next);
    if (seen.has(query) || page >= MAX_PAGES) {
      const why = seen.has(query) ? `the next link ${query} repeats` : `still a next link after ${page} pages`;
      throw unreadableAnswer(answer.site, answer.status, `${why}: the listing would never end`);
    }
    seen.add(query);
    current = `${base}${query}`;
  }
}
