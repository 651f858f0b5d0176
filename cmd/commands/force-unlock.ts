import { forceUnlock } from "../../reconcile/lock/host-lock.js";
import { parseCommandArgs } from "../args.js";
import type { CommandDeps } from "../deps.js";
import { ExitError, EXIT } from "../exit-codes.js";

export const FORCE_UNLOCK_HELP = `Usage: frost force-unlock LOCK_ID

Removes a host lock left by a frost run that no longer runs (frost names the ID when it finds
one). Check the host first: a run that stopped midway may have left a guest frozen, which the next
frost apply thaws.
`;

/** `frost force-unlock`. */
export async function forceUnlockCommand(argv: string[], deps: CommandDeps): Promise<number> {
  const { values, positionals } = parseCommandArgs("force-unlock", argv, { help: { type: "boolean", short: "h", default: false } }, true);
  if (values.help) return (deps.io.out(FORCE_UNLOCK_HELP), EXIT.OK);
  const [id, ...rest] = positionals;
  if (!id || rest.length > 0) throw new ExitError(EXIT.ERROR, "name exactly one lock ID\nSee: frost force-unlock --help");
  const removed = await forceUnlock(id, deps.stateDir);
  deps.io.out(
    `Removed the lock of ${removed.uri} held by pid ${removed.pid} on ${removed.hostname} (${removed.command}) since ${removed.startedAt}.\n`,
  );
  return EXIT.OK;
}
