import { buildFragment } from "./build.js";
import { DiagnosticSink } from "./diag.js";
import { readConfigFiles } from "./files.js";
import type { Fragment } from "./fragment.js";
import { mergeFragments } from "./merge.js";
import { parseConfigFile } from "./parse.js";
import { checkReferences } from "./references.js";
import type { Diagnostic } from "../diagnostics.js";
import type { DesiredState } from "./types.js";

/**
 * The outcome of loading a configuration. `desired` is present only when no diagnostic is an error;
 * warnings may accompany it. Diagnostics are in source order (file, line, column).
 */
export interface LoadResult {
  desired?: DesiredState;
  diagnostics: Diagnostic[];
}

/**
 * Loads the configuration at `path`: a file, or a directory whose `*.yaml` / `*.yml` files (not
 * recursive, sorted by name) are merged. Every problem is reported at once, each with file:line:col;
 * nothing stops at the first. Reads files but does not check that image sources or hooks exist.
 */
export async function loadConfig(path: string): Promise<LoadResult> {
  const sink = new DiagnosticSink();
  const files = await readConfigFiles(path, sink);
  if (files.length === 0) return { diagnostics: sink.list };

  const fragments: Fragment[] = [];
  let complete = true;
  for (const file of files) {
    const parsed = parseConfigFile(file, sink);
    if (parsed === undefined) {
      complete = false;
      continue;
    }
    const fragment = buildFragment(parsed, sink);
    complete &&= fragment.complete;
    fragments.push(fragment);
  }
  // A read error leaves fewer files than were found.
  if (sink.list.some((d) => d.code === "config.read")) complete = false;

  const merged = mergeFragments(fragments, complete, sink);
  merged.files = files.map((f) => f.path);
  checkReferences(merged, complete, sink);
  const diagnostics = inSourceOrder(sink.list, merged.files);
  if (sink.hasErrors()) return { diagnostics };
  const { hosts, images, instances, schedules, files: read } = merged;
  return { desired: { files: read, hosts, images, instances, schedules }, diagnostics };
}

/** Diagnostics ordered as a reader meets them: by file, line and column; those without a position first. */
function inSourceOrder(diags: Diagnostic[], files: string[]): Diagnostic[] {
  const rank = (d: Diagnostic): [number, number, number] =>
    d.pos === undefined ? [-1, 0, 0] : [files.indexOf(d.pos.file), d.pos.line, d.pos.col];
  return [...diags].sort((a, b) => {
    const [fa, la, ca] = rank(a);
    const [fb, lb, cb] = rank(b);
    return fa - fb || la - lb || ca - cb;
  });
}
