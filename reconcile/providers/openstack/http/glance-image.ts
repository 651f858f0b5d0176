import type { GlanceImage } from "../cloud.js";
import { GLANCE_OWN_ATTRIBUTES, isGlanceOwn } from "../../../config/image-properties.js";
import { asText, isObject, numberAt, stringAt } from "./json-fields.js";

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
