import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { DiagnosticSink } from "./diag.js";

/** One configuration file as read from disk. `path` is as the user gave it (joined with the file name). */
export interface ConfigFile {
  path: string;
  text: string;
}

const YAML_FILE = /\.ya?ml$/;

/**
 * Finds and reads the configuration at `path`: a single file, or every `*.yaml` / `*.yml` directly in a
 * directory (not recursive), sorted by name so that merging is deterministic. Reports a missing path,
 * an empty directory and unreadable files; returns what could be read.
 */
export async function readConfigFiles(path: string, sink: DiagnosticSink): Promise<ConfigFile[]> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    if (errno(err) === "ENOENT" || errno(err) === "ENOTDIR") {
      sink.error(
        "config.not-found",
        undefined,
        `no configuration at ${path}`,
        "create frost.yaml in the current directory, or pass -c FILE|DIR to name a configuration file or a directory of *.yaml files",
      );
    } else {
      sink.error("config.read", undefined, `cannot read ${path}: ${message(err)}`, "check that the path exists and is readable");
    }
    return [];
  }
  let paths = [path];
  if (isDir) {
    let names: string[];
    try {
      const entries = await readdir(path, { withFileTypes: true });
      // Hidden files (editor locks such as .#frost.yaml) are not configuration.
      names = entries.filter((e) => !e.isDirectory() && YAML_FILE.test(e.name) && !e.name.startsWith(".")).map((e) => e.name);
    } catch (err) {
      sink.error("config.read", undefined, `cannot list ${path}: ${message(err)}`, "check that the directory is readable");
      return [];
    }
    if (names.length === 0) {
      sink.error(
        "config.no-files",
        undefined,
        `no *.yaml or *.yml files in ${path}`,
        "put the configuration in frost.yaml (or several *.yaml files) in that directory, or pass -c with a file",
      );
      return [];
    }
    paths = names.sort().map((n) => join(path, n));
  }
  const files: ConfigFile[] = [];
  for (const p of paths) {
    try {
      files.push({ path: p, text: await readFile(p, "utf8") });
    } catch (err) {
      sink.error("config.read", { file: p, line: 1, col: 1 }, `cannot read ${p}: ${message(err)}`, "check that the file is readable");
    }
  }
  return files;
}

function errno(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err ? String(err.code) : undefined;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
