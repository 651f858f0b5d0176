import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, onTestFinished } from "vitest";
import type { Diagnostic } from "../../../reconcile/diagnostics.js";
import { loadConfig, type LoadResult } from "../../../reconcile/config/load.js";

/** Writes `files` (name -> YAML text) into a fresh temporary directory, removed after the test, and returns its path. */
export async function configDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "frost-config-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

/** Loads one YAML text as frost.yaml (given as a file path). */
export async function loadYaml(text: string): Promise<LoadResult> {
  const dir = await configDir({ "frost.yaml": text });
  return loadConfig(join(dir, "frost.yaml"));
}

/** A minimal valid header: one host with defaults. Tests append their sections to it. */
export const HOST = "host: {}\n";

/**
 * Asserts that exactly one diagnostic has `code` at `line:col`, and that its summary or detail
 * contains each of `texts`. Returns it for further checks.
 */
export function expectDiag(result: LoadResult, code: string, line: number, col: number, ...texts: string[]): Diagnostic {
  const found = result.diagnostics.filter((d) => d.code === code && d.pos?.line === line && d.pos.col === col);
  expect(found, `no single ${code} at ${line}:${col} in ${JSON.stringify(result.diagnostics, null, 1)}`).toHaveLength(1);
  const d = found[0]!;
  for (const t of texts) expect(`${d.summary}\n${d.detail ?? ""}`).toContain(t);
  return d;
}

/** The codes of all diagnostics, in order. */
export function codes(result: LoadResult): string[] {
  return result.diagnostics.map((d) => d.code);
}

/** Asserts the result has no errors and returns the desired state. */
export function expectValid(result: LoadResult) {
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  expect(errors, JSON.stringify(errors, null, 1)).toEqual([]);
  expect(result.desired).toBeDefined();
  return result.desired!;
}
