/** Readers for answer bodies that tolerate what a service left out (a field missing is never a crash). */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function objectAt(value: unknown, key: string): JsonObject | undefined {
  const v = isObject(value) ? value[key] : undefined;
  return isObject(v) ? v : undefined;
}

export function arrayAt(value: unknown, key: string): unknown[] {
  const v = isObject(value) ? value[key] : undefined;
  return Array.isArray(v) ? (v as unknown[]) : [];
}

export function stringAt(value: unknown, key: string): string | undefined {
  const v = isObject(value) ? value[key] : undefined;
  return typeof v === "string" ? v : undefined;
}

export function numberAt(value: unknown, key: string): number | undefined {
  const v = isObject(value) ? value[key] : undefined;
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** A value as the string an image property or metadata value is: strings as they are, anything else as JSON (numbers, booleans plain). */
export function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** A map of strings (metadata), values that are not strings stringified, null values left out. */
export function textMap(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = asText(v);
  return out;
}
