import { instanceAddress, type Change } from "../../reconcile/model.js";
import { observeHosts } from "../../reconcile/observe.js";
import { adhocPlan } from "../adhoc-plan.js";
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
  const hypervisorFor = deps.connect(desired.hosts);
  // Servers on OpenStack hosts are Nova's to freeze and thaw (frost never freezes them itself).
  const libvirtOnly = {
    ...desired,
    hosts: Object.fromEntries(Object.entries(desired.hosts).filter(([, h]) => h.kind !== "openstack")),
  };
  // Holding the hosts thaws, first, every guest a frost run proven gone left frozen (and does so
  // even when another run holds a host's lock); what follows thaws the named guests, whoever froze them.
  return withHostLocks(
    libvirtOnly.hosts,
    hypervisorFor,
    deps,
    { command: ["frost", "thaw", ...argv].join(" "), timeoutMs: parseTimeSpan(values["lock-timeout"], "--lock-timeout") },
    async () => {
      const observations = await observeHosts(libvirtOnly, hypervisorFor, { ping: true, journal: deps.journal });

      const changes: Change[] = [];
      for (const name of names) {
        const instance = desired.instances[name];
        const o = instance ? observations[instance.host] : undefined;
        if (!instance || o?.status !== "observed") continue;
        const domain = o.host.domains[name];
        const journalled = o.journal.some((j) => j.entry.domain === name);
        if (!domain || domain.state !== "running") continue;
        // A guest whose agent cannot say whether it is frozen is thawed when frost's journal says it froze it.
        if (domain.freeze === "frozen" || (domain.freeze === undefined && journalled)) {
          changes.push({
            host: instance.host,
            address: instanceAddress(name),
            action: "thaw",
            before: { filesystems: domain.freeze ?? "unknown" },
            after: { filesystems: "thawed" },
            reason: "thaw (on demand)",
            steps: [{ kind: "thaw", domain: name }],
            notes: [],
          });
        }
      }
      if (changes.length === 0) {
        deps.io.out("No guest is frozen; nothing to thaw.\n");
        return EXIT.OK;
      }
      const uris = Object.fromEntries(Object.values(desired.hosts).map((h) => [h.name, h.uri]));
      const plan = adhocPlan(deps.clock.now(), observations, uris, changes);
      deps.io.out(renderPlanText(plan, deps.io.color) + "\n");
      return runApply(plan, hypervisorFor, deps);
    },
  );
}
