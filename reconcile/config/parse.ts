import { dirname, resolve } from "node:path";
import { LineCounter, isScalar, parseDocument, visit, type Document, type Node as YamlNode } from "yaml";
import type { DiagnosticSink } from "./diag.js";
import type { ConfigFile } from "./files.js";
import type { SourcePos } from "./types.js";

/**
 * One configuration file parsed into a YAML document. `dir` is the absolute directory of the file,
 * against which relative paths in it (image sources, hook scripts) are resolved. `pos` maps a node or
 * an offset to `file:line:col` (1-based), using yaml's own line counting.
 */
export interface ParsedFile {
  path: string;
  dir: string;
  doc: Document;
  pos(at: YamlNode | number): SourcePos;
  /** Offsets of keys yaml already reported as duplicates, so they are not reported twice. */
  duplicateKeyOffsets: Set<number>;
}

/**
 * Parses one file. YAML syntax errors are reported with yaml's positions; a document with syntax
 * errors is not returned (its tree would only produce misleading follow-on errors), but one whose only
 * errors are duplicate keys is, so that its other problems are reported too.
 */
export function parseConfigFile(file: ConfigFile, sink: DiagnosticSink): ParsedFile | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(file.text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const pos = (at: YamlNode | number): SourcePos => {
    const offset = typeof at === "number" ? at : (at.range?.[0] ?? 0);
    const { line, col } = lineCounter.linePos(offset);
    return { file: file.path, line, col };
  };
  const duplicateKeyOffsets = new Set<number>();
  let fatal = false;
  const keys = doc.errors.some((e) => e.code === "DUPLICATE_KEY") ? keysByOffset(doc) : new Map<number, string>();
  for (const e of doc.errors) {
    if (e.code === "DUPLICATE_KEY") {
      duplicateKeyOffsets.add(e.pos[0]);
      const key = keys.get(e.pos[0]);
      sink.error(
        "config.duplicate-key",
        pos(e.pos[0]),
        `duplicate key${key !== undefined ? ` ${JSON.stringify(key)}` : ""} in the same mapping`,
        "each key may appear once in a mapping; remove or merge the repeated entry (the first one is used)",
      );
    } else {
      fatal = true;
      sink.error("config.yaml-syntax", pos(e.pos[0]), `YAML syntax error: ${e.message}`, syntaxHint(e.code));
    }
  }
  for (const w of doc.warnings) {
    sink.warn("config.yaml-warning", pos(w.pos[0]), `YAML: ${w.message}`, "frost reads plain YAML 1.2 without custom tags");
  }
  if (fatal) return undefined;
  return { path: file.path, dir: dirname(resolve(file.path)), doc, pos, duplicateKeyOffsets };
}

/** The scalar keys of every mapping in `doc`, by offset, to name a duplicate key yaml reports by position. */
function keysByOffset(doc: Document): Map<number, string> {
  const keys = new Map<number, string>();
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.range !== undefined && pair.key.range !== null)
        keys.set(pair.key.range[0], String(pair.key.value));
    },
  });
  return keys;
}

function syntaxHint(code: string): string {
  switch (code) {
    case "MULTIPLE_DOCS":
      return "a frost file holds one YAML document; remove the `---` separator or split the documents into separate *.yaml files in one directory";
    case "BAD_INDENT":
    case "MISSING_CHAR":
    case "UNEXPECTED_TOKEN":
      return "check the indentation and that brackets, braces and quotes are closed; indent with spaces, not tabs";
    case "TAB_AS_INDENT":
      return "indent with spaces; YAML does not allow tabs for indentation";
    default:
      return "fix the YAML syntax at this position";
  }
}
