import { isMap, isScalar, isSeq } from "yaml";
import type { Shape } from "./schema.js";

/** Wording of expected shapes and found nodes in type errors. */

/** How an expected shape reads in a message ("an integer", "one of raw, qcow2"). */
export function describeShape(shape: Shape): string {
  switch (shape.type) {
    case "string":
      return "a string";
    case "boolean":
      return "true or false";
    case "integer":
      return "an integer";
    case "scalar":
      return "a single value";
    case "enum":
      return orList(shape.values);
    case "list":
      return `a list (each item ${describeShape(shape.items)})`;
    case "record":
      return `a mapping of ${shape.what} (keys: ${Object.keys(shape.fields).join(", ")})`;
    case "dict":
      return `a mapping of ${shape.what}`;
    case "oneOf":
      return shape.what;
  }
}

export function describeNode(node: unknown): string {
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return "empty";
    if (typeof v === "string") return `the string "${v}"`;
    if (typeof v === "number") return `the number ${node.source ?? String(v)}`;
    return `the boolean ${String(v)}`;
  }
  if (isSeq(node)) return "a list";
  if (isMap(node)) return "a mapping";
  return "empty";
}

export function typeHint(node: unknown, expected: string): string {
  if (!isScalar(node)) return "";
  const v = node.value;
  if (expected === "true or false" && typeof v === "string" && /^(yes|no|on|off|y|n)$/i.test(v)) {
    return `; YAML 1.2 reads ${v} as a string, write ${/^(yes|on|y)$/i.test(v) ? "true" : "false"}`;
  }
  if (expected === "a string" && (typeof v === "number" || typeof v === "boolean")) return `; quote it: "${node.source ?? String(v)}"`;
  if (expected === "an integer" && typeof v === "string" && /^-?\d+$/.test(v.trim())) return `; remove the quotes: ${v.trim()}`;
  return "";
}

export function orList(values: readonly string[]): string {
  if (values.length === 1) return values[0] ?? "";
  return `${values.slice(0, -1).join(", ")} or ${values[values.length - 1]}`;
}
