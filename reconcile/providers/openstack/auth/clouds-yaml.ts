import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { CredentialsError } from "./errors.js";

/** Where to look for clouds.yaml and secure.yaml; everything passed in, so that tests never read the real home. */
export interface ConfigLocations {
  env: NodeJS.ProcessEnv;
  cwd: string;
  home: string;
  /** The system-wide directories, last in the search; default `/etc/openstack`. */
  siteDirs?: string[];
}

/** One cloud of clouds.yaml, with secure.yaml merged over it. */
export interface CloudEntry {
  name: string;
  /** The clouds.yaml it came from. */
  file: string;
  /** The secure.yaml merged over it, when there was one. */
  secureFile?: string;
  config: Record<string, unknown>;
}

const SUFFIXES = [".yaml", ".yml", ".json"];

/**
 * The directories openstacksdk searches, in its order: the working directory, the user's
 * (`$XDG_CONFIG_HOME/openstack`, and `~/.config/openstack` when XDG_CONFIG_HOME points elsewhere),
 * then the system's.
 */
export function configDirs(where: ConfigLocations): string[] {
  const xdg = where.env["XDG_CONFIG_HOME"] || join(where.home, ".config");
  const dirs = [where.cwd, join(xdg, "openstack"), join(where.home, ".config", "openstack"), ...(where.siteDirs ?? ["/etc/openstack"])];
  return [...new Set(dirs)];
}

/** The candidate files for `clouds` or `secure`, first match wins: the env override (OS_CLIENT_CONFIG_FILE / OS_CLIENT_SECURE_FILE) first. */
export function candidateFiles(kind: "clouds" | "secure", where: ConfigLocations): string[] {
  const override = where.env[kind === "clouds" ? "OS_CLIENT_CONFIG_FILE" : "OS_CLIENT_SECURE_FILE"];
  const files = configDirs(where).flatMap((dir) => SUFFIXES.map((s) => join(dir, `${kind}${s}`)));
  return override ? [override, ...files] : files;
}

/**
 * The cloud `name` as openstacksdk would read it: from the first clouds.yaml found, with the
 * first secure.yaml found merged over it (key by key, recursively). `origin` says where the name
 * came from, for messages.
 */
export async function findCloud(name: string, origin: string, where: ConfigLocations): Promise<CloudEntry> {
  const clouds = await firstFile(candidateFiles("clouds", where));
  if (!clouds) {
    throw new CredentialsError(
      `OpenStack cloud ${JSON.stringify(name)} (${origin}): no clouds.yaml found (looked for ${candidateFiles("clouds", where).join(", ")}); ` +
        `create one with an entry under clouds:, set OS_CLIENT_CONFIG_FILE to it, or unset the cloud name to use the OS_* variables`,
    );
  }
  const secure = await firstFile(candidateFiles("secure", where));
  const merged = mergeDeep(cloudsOf(clouds), secure ? cloudsOf(secure) : {});
  const config = merged[name];
  if (!isMap(config)) {
    const known = Object.keys(merged);
    throw new CredentialsError(
      `OpenStack cloud ${JSON.stringify(name)} (${origin}) is not in ${clouds.path}${secure ? ` or ${secure.path}` : ""} ` +
        `(${known.length > 0 ? `it has: ${known.join(", ")}` : "it has no clouds"}); fix the cloud name, or add it under clouds:`,
    );
  }
  return { name, file: clouds.path, ...(secure ? { secureFile: secure.path } : {}), config };
}

interface ReadFile {
  path: string;
  data: unknown;
}

/** The first of `paths` that exists, parsed; a file that exists but cannot be read or parsed is an error (not skipped). */
async function firstFile(paths: string[]): Promise<ReadFile | undefined> {
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") continue;
      throw new CredentialsError(`${path} cannot be read (${code ?? (e as Error).message}); fix its permissions or move it away`);
    }
    return { path, data: parseYaml(path, text) };
  }
  return undefined;
}

/**
 * YAML 1.1, as PyYAML reads it for openstacksdk (`verify: no` is false). A parse error is reported
 * by position only: the parser's own message quotes the offending line, which may hold a password.
 */
function parseYaml(path: string, text: string): unknown {
  const doc = parseDocument(text, { version: "1.1", merge: true });
  const error = doc.errors[0];
  if (error) {
    const pos = error.linePos?.[0];
    throw new CredentialsError(
      `${path}${pos ? `:${pos.line}:${pos.col}` : ""}: not valid YAML (${error.code}); fix the file (quote values with special characters)`,
    );
  }
  return doc.toJS() as unknown;
}

function cloudsOf(file: ReadFile): Record<string, unknown> {
  if (file.data === null || file.data === undefined) return {};
  if (!isMap(file.data)) throw new CredentialsError(`${file.path}: not a mapping; write clouds: with one entry per cloud under it`);
  const clouds = file.data["clouds"];
  if (clouds === undefined || clouds === null) return {};
  if (!isMap(clouds)) throw new CredentialsError(`${file.path}: clouds: is not a mapping; write one entry per cloud under it`);
  return clouds;
}

/** `over` merged into `base`: maps key by key, anything else replaced. */
export function mergeDeep(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isMap(current) && isMap(value) ? mergeDeep(current, value) : value;
  }
  return out;
}

export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
