import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import type { DesiredState, HostSpec } from "../../config/types.js";
import { checkAppArmorRules } from "./host/apparmor-check.js";
import { observeAppArmor } from "./host/apparmor-observe.js";
import { isLocalUri, type AppArmorFacts } from "./plan/apparmor.js";
import type { AgentReadiness, DomainDefinition, DomainState, Hypervisor, ObservedHost } from "./hypervisor.js";
import { effectiveHooks, type GuestFacts, type HookSource } from "./plan/fsfreeze-hooks.js";
import { mapBounded } from "../../pool.js";
import { frostIdentity } from "./plan/frost-identity.js";
import { imagesFor } from "../../config/derived.js";
import type { FreezeJournal } from "../../snapshots/freeze-journal.js";
import { journalHost } from "./snapshots/recovery.js";
import type { JournalFact } from "./plan/thaw.js";
import type { ObserveOptions } from "../../provider.js";
import type { LibvirtFacts } from "./facts.js";
import type { Env } from "../../provider.js";
import type { CommandRunner } from "../../process/run.js";

/** True for a state in which a domain has a live definition (running, paused, being shut down). */
function isActive(state: DomainState): boolean {
  return state !== "shutoff";
}

/** Default budget of one readiness check: a handful of agent commands over one connection. */
export const DEFAULT_READINESS_TIMEOUT_MS = 8_000;

/** How many readiness checks of one host run at once. */
const PARALLEL_READINESS = 4;

/** A hook script larger than this is refused: it is sent through the agent in base64. */
export const MAX_HOOK_BYTES = 1 << 20;

/**
 * Observes one libvirt host, reading in detail only the domains the configuration names (and those
 * frost created and no longer declares), with every domain's definition (frost's record shows what
 * it created; their disks, which volumes are in use), the pool, the AppArmor abstraction, frost's
 * freeze journal for the host, and the agents' readiness where wanted. Throws when the host cannot
 * be reached.
 */
export async function observeLibvirtHost(
  host: HostSpec,
  desired: DesiredState,
  hypervisor: Hypervisor,
  env: Pick<Env, "journal" | "hostRoot" | "processes">,
  options: ObserveOptions,
): Promise<LibvirtFacts> {
  const { journal } = env;
  const domains = Object.values(desired.instances)
    .filter((i) => i.host === host.name)
    .map((i) => i.name);
  // The host's identity (the freeze journal is keyed on it) and the declared domains' saved
  // definitions are read while the main observation runs.
  hypervisor.hostUuid().catch(() => {});
  const declaredDefinitions = hypervisor.observeDefinitions(domains);
  declaredDefinitions.catch(() => {}); // an unreachable host: the observation's error is the one reported
  const observed = await hypervisor.observe({
    domains,
    ping: options.ping,
    ...(options.pingTimeoutMs !== undefined ? { pingTimeoutMs: options.pingTimeoutMs } : {}),
  });
  // Every domain's, not only the declared ones: frost's record shows which it created and is no longer declared,
  // and their disks which volumes are in use (the running ones' live disks too: the declared ones' are observed).
  const others = observed.names.filter((n) => !domains.includes(n));
  const running = others.filter((n) => observed.states?.[n] === undefined || isActive(observed.states[n]));
  const [declared, rest] = await Promise.all([
    declaredDefinitions,
    others.length > 0 ? hypervisor.observeDefinitions(others, { live: running }) : Promise.resolve<Record<string, DomainDefinition>>({}),
  ]);
  const definitions: Record<string, DomainDefinition> = {};
  for (const name of observed.names) {
    const d = declared[name] ?? rest[name];
    if (d) definitions[name] = d;
  }
  // Those frost created and the configuration no longer declares are planned for destroy: read them
  // in detail too, so that a saved plan records (and apply re-checks) what they were.
  const undeclared = Object.entries(definitions)
    .filter(([name, d]) => frostIdentity(name, d).kind === "frost" && !observed.domains[name] && desired.instances[name] === undefined)
    .map(([name]) => name);
  if (undeclared.length > 0) {
    const extra = await hypervisor.observe({
      domains: undeclared,
      ping: options.ping,
      ...(options.pingTimeoutMs !== undefined ? { pingTimeoutMs: options.pingTimeoutMs } : {}),
    });
    Object.assign(observed.domains, extra.domains);
    if (extra.unreadable) observed.unreadable = { ...observed.unreadable, ...extra.unreadable };
  }
  // The pool holds the images, and the disks of the domains frost created: what uses them is judged against it.
  const disks = Object.values(definitions).some((d) => d.record?.createdBy === "frost" && d.record.disk !== undefined);
  const pool = imagesFor(host, desired).length > 0 || disks ? await hypervisor.observePool(host.pool) : undefined;
  for (const [name, definition] of Object.entries(definitions)) {
    const domain = observed.domains[name];
    if (domain) domain.definition = definition;
  }
  const journalled = await journalFacts(hypervisor, journal);
  const apparmor = await observeHostAppArmor(host, env.hostRoot, env.processes);
  const guests = await observeGuests(desired, host.name, hypervisor, observed, options);
  return {
    host: observed,
    journal: journalled,
    guests,
    definitions,
    ...(apparmor ? { apparmor } : {}),
    ...(pool ? { pool } : {}),
  };
}

/** frost's freeze journal for the host `hv` reaches, each entry with whether its writer may still hold the freeze. */
export async function journalFacts(hv: Hypervisor, journal: FreezeJournal): Promise<JournalFact[]> {
  return (await journal.list(await journalHost(hv))).map(({ entry }) => {
    const state = journal.writerState(entry);
    return { entry, writerAlive: state.state !== "gone", ...(state.state === "gone" ? { why: state.why } : {}) };
  });
}

/** Reads the AppArmor abstraction of a local host and has the parser check the declared rules. */
async function observeHostAppArmor(host: HostSpec, root: string, runner: CommandRunner | undefined): Promise<AppArmorFacts | undefined> {
  if (!isLocalUri(host.uri) || host.apparmor.manage === "false") return undefined;
  const observation = await observeAppArmor(host.apparmor, { root, ...(runner ? { runner } : {}) });
  if (host.apparmor.manage === "auto" && !observation.enabled) return { observation };
  return { observation, check: await checkAppArmorRules(host.apparmor.rules, { root, ...(runner ? { runner } : {}) }) };
}

/**
 * Per instance of one host: its hook scripts as read on this machine, and its agent's readiness
 * where wanted (see ObserveOptions.readiness) and possible (running, guest-ping answered).
 */
async function observeGuests(
  desired: DesiredState,
  host: string,
  hypervisor: Hypervisor,
  observed: ObservedHost,
  options: ObserveOptions,
): Promise<Record<string, GuestFacts>> {
  const instances = Object.values(desired.instances).filter((i) => i.host === host);
  const cache = new Map<string, Promise<HookSource>>();
  const entries = await mapBounded(instances, PARALLEL_READINESS, async (instance): Promise<[string, GuestFacts]> => {
    const hooks = effectiveHooks(instance, desired);
    const names = Object.keys(hooks).sort();
    const sources: Record<string, HookSource> = {};
    for (const name of names) {
      const path = hooks[name]?.path ?? "";
      if (!cache.has(path)) cache.set(path, readHookSource(path));
      sources[name] = await (cache.get(path) as Promise<HookSource>);
    }
    const domain = observed.domains[instance.name];
    const wanted = options.readiness === "all" || names.length > 0;
    let readiness: AgentReadiness | undefined;
    if (options.ping && wanted && domain?.state === "running" && domain.agent.status === "ok") {
      const timeoutMs = options.readinessTimeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS;
      readiness = await hypervisor
        .agentReadiness(instance.name, { timeoutMs, hooks: names })
        .catch((e: unknown): AgentReadiness => ({ status: "error", message: (e as Error).message, problems: [] }));
    }
    return [instance.name, { sources, ...(readiness ? { readiness } : {}) }];
  });
  return Object.fromEntries(entries);
}

/** Reads one hook script on this machine: its sha256, or why it cannot be used. */
export async function readHookSource(path: string): Promise<HookSource> {
  try {
    // stat first: a FIFO or a device at that path would block or never end.
    const info = await stat(path);
    if (!info.isFile()) return { path, error: info.isDirectory() ? "it is a directory" : "it is not a regular file" };
    if (info.size > MAX_HOOK_BYTES) return { path, error: `it is ${info.size} bytes; a hook script may have at most ${MAX_HOOK_BYTES}` };
    const content = await readFile(path);
    return { path, sha256: createHash("sha256").update(content).digest("hex"), bytes: content.length };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { path, error: err.code === "ENOENT" ? "no such file" : err.message };
  }
}
