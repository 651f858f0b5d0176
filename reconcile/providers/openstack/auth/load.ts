import { findCloud, type ConfigLocations } from "./clouds-yaml.js";
import type { Credentials } from "./credentials.js";
import { credentialsFromCloud } from "./from-cloud.js";
import { credentialsFromEnv } from "./from-env.js";

export interface CredentialOptions extends ConfigLocations {
  /** The cloud named in frost's configuration; unset: OS_CLOUD, else the OS_* variables. */
  cloud?: string;
}

/**
 * The credentials the way OpenStack users already have them: a named cloud (frost's `cloud:`,
 * else OS_CLOUD) from clouds.yaml with secure.yaml over it; without a name, the OS_* variables.
 * Throws a CredentialsError saying what to change.
 */
export async function loadCredentials(options: CredentialOptions): Promise<Credentials> {
  const fromEnv = options.env["OS_CLOUD"] || undefined;
  const name = options.cloud ?? fromEnv;
  if (name === undefined) return credentialsFromEnv(options.env, options.cwd, options.home);
  const origin = options.cloud !== undefined ? "named in frost's configuration" : "named by OS_CLOUD";
  return credentialsFromCloud(await findCloud(name, origin, options), options.cwd, options.home);
}
