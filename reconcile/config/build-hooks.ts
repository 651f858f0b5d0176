import { resolve } from "node:path";
import type { DiagnosticSink } from "./diag.js";
import { HOOK_NAME_RULE, HOOK_NAME_RULE_TEXT, showName } from "./names.js";
import type { ParsedFile } from "./parse.js";
import type { CheckedMap } from "./tree.js";

/**
 * Reads `fsfreezeHooks` (hook name -> script path) of an image or instance. Paths are resolved against
 * the directory of the file that declares them; whether the script exists is checked when it is used.
 */
export function buildHooks(hooks: CheckedMap | undefined, file: ParsedFile, sink: DiagnosticSink): Record<string, string> {
  const out: Record<string, string> = {};
  if (hooks === undefined) return out;
  for (const { key, keyPos, value } of hooks.entries.values()) {
    if (!HOOK_NAME_RULE.test(key)) {
      sink.error("config.name", keyPos, `fsfreeze hook name ${showName(key)} is not allowed`, HOOK_NAME_RULE_TEXT);
    }
    if (value.kind !== "scalar" || typeof value.value !== "string") continue;
    if (value.value.trim() === "") {
      sink.error(
        "config.value",
        value.pos,
        `fsfreeze hook ${showName(key)} has an empty path`,
        "write the path of the hook script, relative to this file or absolute",
      );
      continue;
    }
    out[key] = resolve(file.dir, value.value);
  }
  return out;
}
