import { collectFacts, compareFacts, touchedDomains, unrecordedSteps } from "../reconcile/plan-file/facts.js";
import { readPlanFile } from "../reconcile/plan-file/plan-file.js";
import type { HostObservation } from "../reconcile/plan/plan.js";
import { journalFacts } from "../reconcile/observe.js";
import { openstackUri } from "../reconcile/providers/openstack/host-uri.js";
import { parsePositive, parseTimeSpan } from "./args.js";
import type { CommandDeps } from "./deps.js";
import { ExitError, EXIT } from "./exit-codes.js";
import { withHostLocks } from "./locking.js";
import { describeStep } from "./render/plan-steps.js";
import { renderPlanText } from "./render/plan-text.js";
import { runApply } from "./run-apply.js";
import { destructiveRefusal } from "../reconcile/plan/destructive.js";

/** A saved plan records URIs only: an OpenStack host is known by its `openstack:` label. */
function kindOf(uri: string): { kind: "libvirt" | "openstack" } {
  return { kind: uri.startsWith(openstackUri("")) ? "openstack" : "libvirt" };
}

/**
 * `frost apply PLANFILE`: refuses a file whose digest does not match, a step on a domain the file
 * records no facts about, and destruction without its flag, before contacting any host; then, under
 * the host locks, re-observes exactly the domains the plan touches and applies the saved plan only
 * when every fact it relied on still holds.
 */
export async function applySavedPlan(
  path: string,
  argv: string[],
  values: {
    parallelism?: string | undefined;
    "lock-timeout"?: string | undefined;
    "allow-destroy"?: boolean;
    "allow-replace"?: boolean;
    "allow-rebuild"?: boolean;
  },
  deps: CommandDeps,
): Promise<number> {
  const file = await readPlanFile(path);
  if (file.plan.errored) throw new ExitError(EXIT.ERROR, `${path} holds a plan with errors; it cannot be applied`);
  const unrecorded = unrecordedSteps(file.plan, file.facts);
  if (unrecorded.length > 0) {
    const which = unrecorded.map((u) => `"${describeStep(u.step)}" (${u.address}) acts on domain ${u.domain} on host ${u.host}`);
    throw new ExitError(
      EXIT.ERROR,
      `Refusing to apply ${path}: it records no facts about a domain its steps act on, so frost cannot check that the host is as planned: ${which.join("; ")}. Nothing was applied; make a new plan with: frost plan --out FILE`,
    );
  }
  const refusal = destructiveRefusal(file.plan, {
    destroy: values["allow-destroy"] ?? false,
    replace: values["allow-replace"] ?? false,
    rebuild: values["allow-rebuild"] ?? false,
  });
  if (refusal) throw new ExitError(EXIT.ERROR, refusal);
  const hosts = Object.fromEntries(Object.entries(file.uris).map(([name, uri]) => [name, { uri, ...kindOf(uri) }]));
  const hypervisorFor = deps.connect(hosts);
  // The guests the plan thaws itself are left to it: its facts say they are frozen.
  const thawed = (host: string) =>
    new Set(file.plan.changes.filter((c) => c.host === host).flatMap((c) => c.steps.flatMap((s) => (s.kind === "thaw" ? [s.domain] : []))));
  return withHostLocks(
    hosts,
    hypervisorFor,
    deps,
    { command: ["frost", "apply", ...argv].join(" "), timeoutMs: parseTimeSpan(values["lock-timeout"], "--lock-timeout"), exclude: thawed },
    async () => {
      const observations: Record<string, HostObservation> = {};
      for (const [host, domains] of touchedDomains(file.plan)) {
        const uri = file.uris[host] ?? "";
        try {
          const observed = await hypervisorFor(host).observe({ domains, ping: true });
          const journal = await journalFacts(hypervisorFor(host), deps.journal);
          observations[host] = { status: "observed", host: observed, journal };
        } catch (e) {
          throw new ExitError(EXIT.ERROR, `host ${host} (${uri}) is unreachable: ${(e as Error).message}; nothing was applied`);
        }
      }
      const differences = compareFacts(file.facts, collectFacts(file.plan, observations));
      if (differences.length > 0) {
        throw new ExitError(
          EXIT.ERROR,
          `The host changed since this plan was made: ${differences.join("; ")}. Nothing was applied; run frost plan again.`,
        );
      }
      deps.io.out(renderPlanText(file.plan, deps.io.color) + "\n");
      if (file.plan.changes.length === 0) return EXIT.OK;
      return runApply(
        file.plan,
        hypervisorFor,
        deps,
        values.parallelism ? { parallelism: parsePositive(values.parallelism, "--parallelism") } : {},
      );
    },
  );
}
