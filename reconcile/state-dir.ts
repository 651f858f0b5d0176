/**
 * Where frost keeps what the hypervisor cannot hold for it: host locks and the freeze journal.
 * `FROST_STATE_DIR` overrides the default `/var/lib/frost` (tests point it at a temp dir).
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env["FROST_STATE_DIR"];
  return dir ? dir : "/var/lib/frost";
}
