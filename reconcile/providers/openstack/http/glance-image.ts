import type { GlanceImage } from "../cloud.js";
import { asText, isObject, numberAt, stringAt } from "./json-fields.js";

/**
 * Glance's own attributes of an image (its schema's, and what the API adds); every other
 * top-level attribute is a property. `os_glance_*` are Glance's too (import and store bookkeeping).
 */
export const GLANCE_OWN_ATTRIBUTES: ReadonlySet<string> = new Set([
  "id",
  "name",
  "status",
  "visibility",
  "protected",
  "os_hidden",
  "checksum",
  "os_hash_algo",
  "os_hash_value",
  "size",
  "virtual_size",
  "disk_format",
  "container_format",
  "min_disk",
  "min_ram",
  "owner",
  "created_at",
  "updated_at",
  "tags",
  "self",
  "file",
  "schema",
  "locations",
  "direct_url",
  "stores",
]);

export function isGlanceOwn(key: string): boolean {
  return GLANCE_OWN_ATTRIBUTES.has(key) || key.startsWith("os_glance_");
}

/**
 * An image as Glance v2 shows it, in frost's terms: `properties` are the attributes that are not
 * Glance's own, as strings (Glance stores them as strings; a number or boolean some tool set is
 * written as text, a null is no value at all and left out).
 */
export function toGlanceImage(json: unknown): GlanceImage | undefined {
  if (!isObject(json)) return undefined;
  const id = stringAt(json, "id");
  if (id === undefined) return undefined;
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(json)) {
    if (isGlanceOwn(key) || value === null || value === undefined) continue;
    properties[key] = asText(value);
  }
  const diskFormat = stringAt(json, "disk_format");
  const containerFormat = stringAt(json, "container_format");
  const size = numberAt(json, "size");
  return {
    id,
    name: stringAt(json, "name") ?? "",
    status: stringAt(json, "status") ?? "",
    ...(diskFormat !== undefined ? { diskFormat } : {}),
    ...(containerFormat !== undefined ? { containerFormat } : {}),
    ...(size !== undefined ? { size } : {}),
    visibility: stringAt(json, "visibility") ?? "",
    createdAt: stringAt(json, "created_at") ?? "",
    updatedAt: stringAt(json, "updated_at") ?? "",
    properties,
  };
}
