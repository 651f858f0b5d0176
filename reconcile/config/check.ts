import { isAlias, isMap, isScalar, isSeq, type Node as YamlNode } from "yaml";
import type { DiagnosticSink } from "./diag.js";
import type { ParsedFile } from "./parse.js";
import type { Shape } from "./schema.js";
import { describeShape, describeNode, orList, typeHint } from "./describe.js";
import { keyPath } from "./names.js";
import { suggestKey } from "./suggest.js";
import type { Checked, CheckedMap } from "./tree.js";
import type { SourcePos } from "./types.js";

/** Where a node sits: its dotted path for messages, and the position of the key that holds it. */
interface Place {
  path: string;
  keyPos: SourcePos;
}

/**
 * Checks a YAML node against a schema shape, reporting unknown keys, wrong types, values outside an
 * enumeration and missing required keys, all at once. Returns the checked tree with every bad part
 * left out (so later steps never see, and never re-report, a value of the wrong type).
 */
export function checkShape(file: ParsedFile, sink: DiagnosticSink, node: unknown, shape: Shape, place: Place): Checked | undefined {
  return new ShapeChecker(file, sink).check(node, shape, place);
}

class ShapeChecker {
  constructor(
    private readonly file: ParsedFile,
    private readonly sink: DiagnosticSink,
  ) {}

  check(raw: unknown, shape: Shape, place: Place): Checked | undefined {
    const node = isAlias(raw) ? raw.resolve(this.file.doc) : raw;
    const kind = nodeKind(node);
    if (shape.type === "oneOf") {
      const option = shape.options.find((o) => shapeKind(o) === kind);
      if (option === undefined) return this.typeError(node, place, shape.what);
      return this.check(node, option, place);
    }
    if (shapeKind(shape) !== kind) return this.typeError(node, place, describeShape(shape));
    if (isScalar(node)) return this.scalar(node, shape, place);
    if (isSeq(node) && shape.type === "list") {
      const items: Checked[] = [];
      node.items.forEach((item, i) => {
        const itemPos = isNode(item) ? this.file.pos(item) : place.keyPos;
        const checked = this.check(item, shape.items, { path: `${place.path}[${i}]`, keyPos: itemPos });
        if (checked !== undefined) items.push(checked);
      });
      return { kind: "list", items, pos: this.file.pos(node) };
    }
    if (isMap(node) && (shape.type === "record" || shape.type === "dict")) return this.map(node, shape, place);
    return undefined;
  }

  private scalar(node: YamlNode & { value: unknown; source?: string }, shape: Shape, place: Place): Checked | undefined {
    const pos = this.file.pos(node);
    let value = node.value;
    const ok =
      (shape.type === "string" && typeof value === "string") ||
      (shape.type === "boolean" && typeof value === "boolean") ||
      (shape.type === "integer" && typeof value === "number" && Number.isInteger(value)) ||
      (shape.type === "scalar" && ["string", "number", "boolean"].includes(typeof value)) ||
      (shape.type === "enum" && (typeof value === "string" || (shape.booleans === true && typeof value === "boolean")));
    if (!ok) return this.typeError(node, place, describeShape(shape));
    if (shape.type === "enum") {
      value = String(value);
      if (!shape.values.includes(value as string)) {
        const guess = suggestKey(value as string, shape.values);
        this.sink.error(
          "config.value",
          pos,
          `${place.path} must be ${orList(shape.values)}, not "${String(value)}"`,
          `${guess !== undefined ? `did you mean "${guess}"? ` : ""}valid values: ${shape.values.join(", ")}${shape.booleans === true ? typeHint(node, "true or false") : ""}`,
        );
        return undefined;
      }
    }
    const source = typeof node.source === "string" ? node.source : String(value);
    return { kind: "scalar", value: value as string | number | boolean, source, pos };
  }

  private map(node: { items: { key: unknown; value: unknown }[] }, shape: Shape & { type: "record" | "dict" }, place: Place): CheckedMap {
    const out: CheckedMap = { kind: "map", entries: new Map(), written: new Map(), pos: this.file.pos(node as YamlNode) };
    const seen = new Set<string>();
    for (const pair of node.items) {
      const keyNode = isAlias(pair.key) ? pair.key.resolve(this.file.doc) : pair.key;
      if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === "object") {
        const at = isNode(keyNode) ? this.file.pos(keyNode) : place.keyPos;
        this.sink.error(
          "config.type",
          at,
          `${place.path || "the top level"} has a key that is not a plain name`,
          "write keys as plain names, e.g. `memory: 512MiB`",
        );
        continue;
      }
      const key = String(keyNode.value);
      const keyPos = this.file.pos(keyNode);
      const path = keyPath(place.path, key);
      if (seen.has(key)) {
        if (!this.file.duplicateKeyOffsets.has(keyNode.range?.[0] ?? -1)) {
          this.sink.error(
            "config.duplicate-key",
            keyPos,
            `duplicate key "${key}" in ${place.path || "the top level"}`,
            "each key may appear once in a mapping; the first one is used",
          );
        }
        continue;
      }
      seen.add(key);
      let valueShape: Shape;
      let nullable = false;
      if (shape.type === "dict") {
        valueShape = shape.values;
      } else {
        const field = shape.fields[key];
        if (field === undefined) {
          this.unknownKey(key, keyPos, shape, place);
          continue;
        }
        valueShape = field.shape;
        nullable = field.nullable === true;
      }
      out.written.set(key, keyPos);
      if (nullable && (pair.value === null || (isScalar(pair.value) && pair.value.value === null))) {
        out.entries.set(key, { key, keyPos, value: { kind: "map", entries: new Map(), written: new Map(), pos: keyPos } });
        continue;
      }
      const checked = this.check(pair.value, valueShape, { path, keyPos });
      if (checked !== undefined) out.entries.set(key, { key, keyPos, value: checked });
    }
    if (shape.type === "record") {
      for (const [key, field] of Object.entries(shape.fields)) {
        if (field.required === true && !out.written.has(key)) {
          this.sink.error(
            "config.missing",
            place.keyPos,
            `${place.path || "the configuration"} is missing "${key}"`,
            `add ${key}: (${describeShape(field.shape)})`,
          );
        }
      }
    }
    return out;
  }

  private unknownKey(key: string, keyPos: SourcePos, shape: Shape & { type: "record" }, place: Place): void {
    const valid = Object.keys(shape.fields);
    const guess = suggestKey(key, valid);
    this.sink.error(
      "config.unknown-key",
      keyPos,
      `unknown key "${key}" in ${place.path === "" ? "the top level" : place.path}`,
      `${guess !== undefined ? `did you mean "${guess}"? ` : ""}valid keys in ${shape.what}: ${valid.join(", ")}`,
    );
  }

  private typeError(node: unknown, place: Place, expected: string): undefined {
    const empty = isScalar(node) && node.value === null && node.source === "";
    const at = isNode(node) && !empty ? this.file.pos(node) : place.keyPos;
    const name = place.path === "" ? "the top level" : place.path;
    this.sink.error(
      "config.type",
      at,
      `${name} must be ${expected}, not ${describeNode(node)}`,
      `expected ${expected}${typeHint(node, expected)}`,
    );
    return undefined;
  }
}

type Kind = "scalar" | "list" | "map" | "none";

function nodeKind(node: unknown): Kind {
  if (isScalar(node)) return node.value === null ? "none" : "scalar";
  if (isSeq(node)) return "list";
  if (isMap(node)) return "map";
  return "none";
}

function shapeKind(shape: Shape): Kind {
  switch (shape.type) {
    case "list":
      return "list";
    case "record":
    case "dict":
      return "map";
    case "oneOf":
      return "none";
    default:
      return "scalar";
  }
}

function isNode(x: unknown): x is YamlNode {
  return isScalar(x) || isSeq(x) || isMap(x) || isAlias(x);
}
