import { UserError } from "../reconcile/diagnostics.js";
import { FROST_VERSION } from "../reconcile/version.js";
import { realDeps, type CommandDeps } from "./deps.js";
import { ExitError, EXIT } from "./exit-codes.js";

export const MAIN_HELP = `frost ${FROST_VERSION}: declarative guest-agent channels and consistent snapshots for libvirt/KVM hosts

Usage: frost <command> [options]

Commands:
  validate   check the configuration; touches no host
  plan       show what would change on each host
  apply      make the hosts match the configuration (channels, due snapshots, retention, thaws),
             or do exactly a plan saved with plan --out
  show       show a saved plan
  status     agent health, frozen guests and snapshot freshness (Nagios exit codes)
  snapshot   take a snapshot of instances now, under their quiesce policy
  thaw       thaw frozen guests
  watch      keep the host converged: re-plan on config changes, take due snapshots on schedule
  import     write YAML that adopts a host's existing domains
  force-unlock  remove a host lock left by a frost run that no longer runs
  lab        up [--openstack]|down|status|reset|openstack ...: a real local libvirt + QEMU + guest-agent lab (and a minimal OpenStack)

Run "frost <command> --help" for a command's options.
Exit codes: 0 success (plan: no changes), 1 error, 2 changes pending (plan --detailed-exitcode).
`;

type Command = (argv: string[], deps: CommandDeps) => Promise<number>;

// Loaded on demand: a command pays only for its own modules (Node start-up counts in every plan).
const COMMANDS: Record<string, () => Promise<Command>> = {
  validate: async () => (await import("./commands/validate.js")).validateCommand,
  plan: async () => (await import("./commands/plan.js")).planCommand,
  apply: async () => (await import("./commands/apply.js")).applyCommand,
  show: async () => (await import("./commands/show.js")).showCommand,
  status: async () => (await import("./commands/status.js")).statusCommand,
  snapshot: async () => (await import("./commands/snapshot.js")).snapshotCommand,
  thaw: async () => (await import("./commands/thaw.js")).thawCommand,
  watch: async () => (await import("./commands/watch.js")).watchCommand,
  lab: async () => (await import("./commands/lab.js")).labCommand,
  import: async () => (await import("./commands/import.js")).importCommand,
  "force-unlock": async () => (await import("./commands/force-unlock.js")).forceUnlockCommand,
};

/** The CLI entry: dispatches, and is the only place that turns errors into exit codes. */
export async function main(argv: string[], deps: CommandDeps = realDeps()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    deps.io.out(MAIN_HELP);
    return name ? EXIT.OK : EXIT.ERROR;
  }
  if (name === "--version" || name === "version") {
    deps.io.out(`frost ${FROST_VERSION}\n`);
    return EXIT.OK;
  }
  const load = COMMANDS[name];
  if (!load) {
    deps.io.err(`Unknown command "${name}".\n\n${MAIN_HELP}`);
    return EXIT.ERROR;
  }
  try {
    return await (
      await load()
    )(rest, deps);
  } catch (e) {
    if (e instanceof ExitError) {
      deps.io.err(`${e.message}\n`);
      return e.code;
    }
    if (e instanceof UserError) {
      deps.io.err(`Error: ${e.message}\n${e.hint ? `${e.hint}\n` : ""}`);
      return EXIT.ERROR;
    }
    deps.io.err(`frost failed unexpectedly: ${(e as Error).message}\n`);
    if (process.env["FROST_DEBUG"]) deps.io.err(`${(e as Error).stack}\n`);
    return EXIT.ERROR;
  }
}
