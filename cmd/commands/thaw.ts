import { observeHosts } from "../../reconcile/observe.js";
import { planThawsNow, thawable } from "../../reconcile/plan/on-demand.js";
import { CONFIG_OPTIONS, parseCommandArgs, parseTimeSpan } from "../args.js";
import type { CommandDeps } from "../deps.js";
import { ExitError, EXIT } from "../exit-codes.js";
import { loadOrExit } from "../planning.js";
import { renderPlanText } from "../render/plan-text.js";
import { runApply } from "../run-apply.js";
import { withHostLocks } from "../locking.js";

export const THAW_HELP = `Usage: frost thaw INSTANCE... | --all [-c FILE|DIR]

Thaws the filesystems of the named instances (or of every declared instance with --all) that are
frozen, whoever froze them. Guests that are not frozen are left alone.

Options:
  -c, --config PATH   frost.yaml, or a directory of *.yaml files (default: ./frost.yaml)
  --lock-timeout T    wait up to T (e.g. 30s) for another frost run to release the host (default 0)
  --all               every instance in the configuration
`;

const OPTIONS = { ...CONFIG_OPTIONS, all: { type: "boolean", default: false }, "lock-timeout": { type: "string" } } as const;

/** `frost thaw`. */
export async function thawCommand(argv: string[], deps: CommandDeps): Promise<number> {
  const { values, positionals } = parseCommandArgs("thaw", argv, OPTIONS, true);
  if (values.help) return (deps.io.out(THAW_HELP), EXIT.OK);
  if (values.all === positionals.length > 0)
    throw new ExitError(EXIT.ERROR, "name the instances to thaw, or pass --all (not both)\nSee: frost thaw --help");
  const desired = await loadOrExit(values.config, deps);
  for (const name of positionals) {
    if (!desired.instances[name]) throw new ExitError(EXIT.ERROR, `instance "${name}" is not defined in the configuration`);
  }
  const names = values.all ? Object.keys(desired.instances) : positionals;
  // Servers on clouds are the cloud's to freeze and thaw: only hosts whose provider freezes guests itself.
  const hosts = thawable(desired);
  // Holding the hosts thaws, first, every guest a frost run proven gone left frozen (and does so
  // even when another run holds a host's lock); what follows thaws the named guests, whoever froze them.
  return withHostLocks(
    hosts.hosts,
    deps,
    { command: ["frost", "thaw", ...argv].join(" "), timeoutMs: parseTimeSpan(values["lock-timeout"], "--lock-timeout") },
    async () => {
      const observations = await observeHosts(hosts, deps, { ping: true });
      const plan = planThawsNow(hosts, observations, names, deps.clock.now());
      if (plan.changes.length === 0) {
        deps.io.out("No guest is frozen; nothing to thaw.\n");
        return EXIT.OK;
      }
      deps.io.out(renderPlanText(plan, deps.io.color) + "\n");
      return runApply(plan, deps);
    },
  );
}
