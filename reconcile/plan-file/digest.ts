import { createHash } from "node:crypto";

/**
 * A JSON value as one canonical text: object keys sorted at every level, no whitespace, members
 * whose value is undefined left out (as JSON.stringify does). The same value gives the same text
 * however a file holding it is laid out.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/**
 * The digest a plan file carries of its content: `sha256:<hex>` over the canonical text of
 * everything in the file but the digest itself. It detects edits and damage (a hand-edited step,
 * a truncated copy); it does not detect forgery, since anyone who can write the file can compute
 * it again, so a saved plan must be protected like the configuration it was made from.
 */
export function planFileDigest(content: unknown): string {
  return `sha256:${createHash("sha256").update(canonicalJson(content)).digest("hex")}`;
}
