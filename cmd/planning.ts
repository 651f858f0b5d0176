import { loadConfig } from "../reconcile/config/load.js";
import type { DesiredState } from "../reconcile/config/types.js";
import { hasErrors } from "../reconcile/diagnostics.js";
import type { Plan } from "../reconcile/model.js";
import { observeHosts } from "../reconcile/observe.js";
import { plan, type HostObservation } from "../reconcile/plan/plan.js";
import { readImages } from "../reconcile/images/image-facts.js";
import { checkTargets, targetPlan, type TargetOptions } from "../reconcile/plan/target.js";
import type { CommandDeps } from "./deps.js";
import { ExitError, EXIT } from "./exit-codes.js";
import { countDiagnostics, renderDiagnostics } from "./render/diagnostics.js";

/**
 * Loads the configuration, printing every diagnostic; an invalid configuration ends the command
 * with exit 1 before any host is contacted.
 */
export async function loadOrExit(configPath: string, deps: CommandDeps): Promise<DesiredState> {
  const { desired, diagnostics } = await loadConfig(configPath);
  if (diagnostics.length > 0) deps.io.err(renderDiagnostics(diagnostics, deps.io.color));
  if (!desired || hasErrors(diagnostics)) {
    throw new ExitError(EXIT.ERROR, `The configuration is invalid (${countDiagnostics(diagnostics)}); nothing was changed.`);
  }
  return desired;
}

/** A computed plan together with what it was computed from. */
export interface Planned {
  desired: DesiredState;
  plan: Plan;
  observations: Record<string, HostObservation>;
}

/** Loads, observes every host and plans. Pure planning after observation; no host is changed. */
export async function computePlan(configPath: string, deps: CommandDeps, target?: TargetOptions): Promise<Planned> {
  return planDesired(await loadOrExit(configPath, deps), deps, target);
}

/** Observes every host of a loaded configuration and plans, keeping only the targeted changes. */
export async function planDesired(desired: DesiredState, deps: CommandDeps, target?: TargetOptions): Promise<Planned> {
  if (target) {
    const unknown = checkTargets(desired, target);
    if (unknown.length > 0) {
      deps.io.err(renderDiagnostics(unknown, deps.io.color));
      throw new ExitError(EXIT.ERROR, "Nothing was planned: fix --target/--exclude.");
    }
  }
  const observations = await observeHosts(desired, deps, { ping: true });
  const images = Object.keys(desired.images).length > 0 ? await readImages(Object.values(desired.images), deps.processes) : {};
  const full = plan(desired, observations, { clock: deps.clock, images });
  return { desired, observations, plan: target ? targetPlan(full, target) : full };
}

/** True when some host could not be observed. */
export function anyUnreachable(p: Plan): boolean {
  return p.hosts.some((h) => h.status === "unreachable");
}
