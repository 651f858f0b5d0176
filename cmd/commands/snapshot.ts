import type { QuiescePolicy } from "../../reconcile/config/types.js";
import { observeHosts } from "../../reconcile/observe.js";
import { planSnapshotsNow } from "../../reconcile/plan/on-demand.js";
import { effectiveQuiesce } from "../../reconcile/snapshots/quiesce-policy.js";
import { CONFIG_OPTIONS, parseCommandArgs, parsePositive, parseTimeSpan } from "../args.js";
import type { CommandDeps } from "../deps.js";
import { ExitError, EXIT } from "../exit-codes.js";
import { loadOrExit } from "../planning.js";
import { renderPlanText } from "../render/plan-text.js";
import { runApply } from "../run-apply.js";
import { withHostLocks } from "../locking.js";
import { countDiagnostics, renderDiagnostics } from "../render/diagnostics.js";

export const SNAPSHOT_HELP = `Usage: frost snapshot INSTANCE... [-c FILE|DIR] [--schedule NAME] [--quiesce required|preferred|off] [--parallelism N]

Takes a snapshot of each named instance now, under the same rules as scheduled ones: the agent is
pinged, the filesystems are frozen for the cut and thawed on every path. A required quiesce
(the instance's, or its image's os_require_quiesce) cannot be weakened by --quiesce.

Options:
  -c, --config PATH   frost.yaml, or a directory of *.yaml files (default: ./frost.yaml)
  --lock-timeout T    wait up to T (e.g. 30s) for another frost run to release the host (default 0)
  --schedule NAME     count the snapshot as one of this schedule's (its retention then applies to it)
  --quiesce POLICY    required | preferred | off (default: the schedule's, the instance's, or preferred)
  --parallelism N     how many guests are frozen at once (default 2)
`;

const OPTIONS = {
  ...CONFIG_OPTIONS,
  "lock-timeout": { type: "string" },
  schedule: { type: "string" },
  quiesce: { type: "string" },
  parallelism: { type: "string" },
} as const;

const POLICIES: readonly string[] = ["required", "preferred", "off"];

/** `frost snapshot`. */
export async function snapshotCommand(argv: string[], deps: CommandDeps): Promise<number> {
  const { values, positionals } = parseCommandArgs("snapshot", argv, OPTIONS, true);
  if (values.help) return (deps.io.out(SNAPSHOT_HELP), EXIT.OK);
  if (positionals.length === 0) throw new ExitError(EXIT.ERROR, "name at least one instance to snapshot\nSee: frost snapshot --help");
  if (values.quiesce !== undefined && !POLICIES.includes(values.quiesce)) {
    throw new ExitError(EXIT.ERROR, `--quiesce takes required, preferred or off, not "${values.quiesce}"`);
  }
  const desired = await loadOrExit(values.config, deps);
  const schedule = values.schedule !== undefined ? desired.schedules[values.schedule] : undefined;
  if (values.schedule !== undefined && !schedule) {
    throw new ExitError(
      EXIT.ERROR,
      `schedule "${values.schedule}" is not defined; defined: ${Object.keys(desired.schedules).join(", ") || "none"}`,
    );
  }
  // A name given twice asks for one snapshot, not two.
  const instances = [...new Set(positionals)].map((name) => {
    const instance = desired.instances[name];
    if (!instance)
      throw new ExitError(
        EXIT.ERROR,
        `instance "${name}" is not defined in the configuration; defined: ${Object.keys(desired.instances).join(", ") || "none"}`,
      );
    return instance;
  });

  const parallelism = values.parallelism ? parsePositive(values.parallelism, "--parallelism") : undefined;
  const quiesceOf = new Map<string, QuiescePolicy>();
  for (const instance of instances) {
    const flag = values.quiesce as QuiescePolicy | undefined;
    const quiesce = effectiveQuiesce(instance, desired, flag !== undefined ? { quiesce: flag } : schedule);
    if (flag !== undefined && flag !== quiesce) {
      throw new ExitError(
        EXIT.ERROR,
        `instance ${instance.name} requires quiesce (its own setting or its image's os_require_quiesce); --quiesce ${flag} is refused`,
      );
    }
    quiesceOf.set(instance.name, quiesce);
  }

  return withHostLocks(
    desired.hosts,
    deps,
    { command: ["frost", "snapshot", ...argv].join(" "), timeoutMs: parseTimeSpan(values["lock-timeout"], "--lock-timeout") },
    async () => {
      // Observed and named under the locks: a run that held the host before has taken its
      // snapshots by now, and the names chosen here are free on the host as it is.
      const observations = await observeHosts(desired, deps, { ping: false });
      const planned = planSnapshotsNow(
        desired,
        observations,
        instances.map((instance) => ({ instance, quiesce: quiesceOf.get(instance.name) ?? "preferred" })),
        { now: deps.clock.now(), ...(schedule ? { schedule } : {}) },
      );
      if ("error" in planned) throw new ExitError(EXIT.ERROR, planned.error);
      if ("diagnostics" in planned) {
        deps.io.err(renderDiagnostics(planned.diagnostics, deps.io.color));
        throw new ExitError(EXIT.ERROR, `No snapshot was taken (${countDiagnostics(planned.diagnostics)}).`);
      }
      deps.io.out(renderPlanText(planned.plan, deps.io.color) + "\n");
      return runApply(planned.plan, deps, parallelism ? { parallelism } : {});
    },
  );
}
