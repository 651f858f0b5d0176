import type { AppArmorSpec } from "../../../config/types.js";
import { APPARMOR_SECURITYFS, underRoot } from "./apparmor-paths.js";
import { ParserError, runParser, type ParserOptions } from "./apparmor-parser.js";
import { findIncludingProfiles } from "./apparmor-profiles.js";
import { exists, readFileState, type FileState } from "./file-state.js";

/** Whether apparmor_parser can be run here, with its first output line (`AppArmor parser version 3.0.8`). */
export type ParserPresence = { available: true; version: string } | { available: false; reason: string };

/**
 * What a host has, for the AppArmor rules: the abstraction file as read, whether AppArmor is enabled
 * in the running kernel (`/sys/kernel/security/apparmor` exists), whether the parser is installed,
 * and the profiles (host paths, sorted) that include the abstraction and so need a reload after it
 * changes. `abstraction` is the host path as configured; all reading happened under the root.
 */
export interface AppArmorObservation {
  abstraction: string;
  file: FileState;
  enabled: boolean;
  parser: ParserPresence;
  profiles: string[];
}

/** Where to look: `root` (default `/`) prefixes every host path; the parser is run through the runner. */
export interface AppArmorObserveOptions extends ParserOptions {
  root?: string;
}

/** Reads the AppArmor side of a host. Never writes; a missing or unusable file is a state, not an error. */
export async function observeAppArmor(spec: AppArmorSpec, options: AppArmorObserveOptions = {}): Promise<AppArmorObservation> {
  const root = options.root ?? "/";
  const [file, enabled, parser, profiles] = await Promise.all([
    readFileState(underRoot(root, spec.abstraction)),
    exists(underRoot(root, APPARMOR_SECURITYFS)),
    probeParser(options),
    findIncludingProfiles(root, spec.abstraction),
  ]);
  return { abstraction: spec.abstraction, file, enabled, parser, profiles };
}

/** `apparmor_parser --version`, with a short deadline. */
async function probeParser(options: ParserOptions): Promise<ParserPresence> {
  try {
    const run = await runParser(["--version"], { ...options, timeoutMs: options.timeoutMs ?? 10_000 });
    if (run.status === "absent") return { available: false, reason: `${options.parser ?? "apparmor_parser"} is not installed` };
    const first = run.result.stdout.split("\n")[0]?.trim() ?? "";
    if (run.result.code !== 0)
      return { available: false, reason: `${options.parser ?? "apparmor_parser"} --version failed: ${run.result.stderr.trim()}` };
    return { available: true, version: first };
  } catch (e) {
    if (e instanceof ParserError) return { available: false, reason: e.message };
    throw e;
  }
}
