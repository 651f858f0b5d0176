import { observeHosts } from "../../reconcile/observe.js";
import { buildStatus, type ReadinessStatus, type Severity, type StatusReport } from "../../reconcile/status/status.js";
import { CONFIG_OPTIONS, parseCommandArgs } from "../args.js";
import type { CommandDeps } from "../deps.js";
import { EXIT } from "../exit-codes.js";
import { styler } from "../io.js";
import { loadOrExit } from "../planning.js";

export const STATUS_HELP = `Usage: frost status [-c FILE|DIR] [--json]

Agent health, frozen state and snapshot freshness of every declared instance, and for each running
guest whose agent answers: qemu-ga's version, whether it allows fsfreeze, file access and exec, and
its fsfreeze hook with the scripts in /etc/qemu/fsfreeze-hook.d. Changes nothing.
Exit codes, as a Nagios plugin: 0 ok, 1 warning (a schedule late, an agent not answering or
forbidding fsfreeze, no fsfreeze hook in the guest, a declared hook script missing or different),
2 critical (a snapshot missing, a guest frozen, a host unreachable).
`;

const EXIT_BY_SEVERITY: Record<Severity, number> = { ok: 0, warn: 1, crit: 2 };

/** `frost status`. */
export async function statusCommand(argv: string[], deps: CommandDeps): Promise<number> {
  const { values } = parseCommandArgs("status", argv, { ...CONFIG_OPTIONS, json: { type: "boolean", default: false } });
  if (values.help) return (deps.io.out(STATUS_HELP), EXIT.OK);
  const desired = await loadOrExit(values.config, deps);
  const observations = await observeHosts(desired, deps, { ping: true, readiness: "all" });
  const report = buildStatus(desired, observations, deps.clock.now());
  deps.io.out(values.json ? JSON.stringify({ format_version: "1.0", ...report }, null, 2) + "\n" : renderStatus(report, deps.io.color));
  return EXIT_BY_SEVERITY[report.severity];
}

function age(ms: number): string {
  const h = ms / 3_600_000;
  return h < 1 ? `${Math.round(ms / 60_000)}m` : h < 48 ? `${h.toFixed(1)}h` : `${(h / 24).toFixed(1)}d`;
}

/** One line per host problem, instance and schedule, with an overall verdict last. */
export function renderStatus(report: StatusReport, color: boolean): string {
  const s = styler(color);
  const mark: Record<Severity, string> = { ok: s.green("OK  "), warn: s.yellow("WARN"), crit: s.red("CRIT") };
  const out: string[] = [];
  for (const h of report.hosts) if (!h.reachable) out.push(`${mark.crit} host ${h.name} (${h.uri}) unreachable: ${h.error}`);
  for (const i of report.instances) {
    const problems = i.problems.length ? `  ${i.problems.join("; ")}` : "";
    const others = i.foreignSnapshots.length > 0 ? `, ${i.foreignSnapshots.length} other snapshot(s)` : "";
    out.push(
      `${mark[i.severity]} instance.${i.instance}: ${i.state}, channel ${i.channel}, agent ${i.agent}${readinessText(i.readiness)}, filesystems ${i.freeze}, ${i.snapshots} frost snapshot(s)${others}${problems}`,
    );
  }
  for (const sc of report.schedules) {
    const newest = sc.newest ? `newest ${sc.newest.slice(0, 16).replace("T", " ")} UTC (${age(sc.ageMs ?? 0)} ago)` : "no snapshot yet";
    out.push(`${mark[sc.severity]} schedule.${sc.schedule} instance.${sc.instance}: ${sc.verdict}, ${newest}, period ${age(sc.periodMs)}`);
  }
  out.push("", `Status: ${report.severity.toUpperCase()}`);
  return out.join("\n") + "\n";
}

/** ` 7.2.22 (fsfreeze enabled, hook present: 10-frost-log, 10-mysql)`, or nothing where readiness was not read. */
function readinessText(r: ReadinessStatus | undefined): string {
  if (!r) return "";
  if (r.fsfreeze === "unknown") return ` ${r.version ?? "?"} (capabilities and hook not readable while frozen)`;
  const exec = r.exec === "disabled" ? ["exec disabled"] : [];
  const restricted = [...exec, ...(r.fileAccess !== "enabled" ? [`file access ${r.fileAccess}`] : [])];
  const names = r.hooks.map((h) => h.name + (h.executable === false ? " (not executable)" : ""));
  const scripts = names.length > 0 ? `: ${names.join(", ")}` : "";
  return ` ${r.version ?? "?"} (fsfreeze ${r.fsfreeze}, hook ${r.hook}${scripts}${restricted.length ? `; ${restricted.join(", ")}` : ""})`;
}
