/*
 * Which image property names a configuration may declare. An image's properties become Glance
 * properties on a cloud (and frost's marks sit beside them), so Glance's own attributes and
 * frost's `frost_*` names are not the user's to set.
 */

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

/** An attribute Glance keeps itself, never a property. */
export function isGlanceOwn(key: string): boolean {
  return GLANCE_OWN_ATTRIBUTES.has(key) || key.startsWith("os_glance_");
}

/** A name of frost's own marks on images (`frost_*`): frost manages them; they are not the user's properties. */
export function isMark(key: string): boolean {
  return key.startsWith("frost_");
}
