import { mapBounded } from "../../pool.js";
import { looksLikeFrostName } from "../../snapshots/naming.js";
import {
  HypervisorError,
  type AgentProbe,
  type DomainDevices,
  type DomainState,
  type ObserveOptions,
  type ObservedDomain,
  type ObservedHost,
  type ObservedSnapshot,
} from "../types.js";
import { parseNames } from "./command-output.js";
import { isActive, parseDomainStates } from "./domain-list.js";
import { parseDomainDevices } from "./domain-xml.js";
import { domainFromNodes, OBSERVED_LIVE_PATHS, OBSERVED_PATHS, xpathOf } from "./domain-xpath.js";
import { fitsInBatch } from "./session-protocol.js";
import { frostSnapshot, isSnapshotNotFound, observeSnapshots, readFreezeStatus, sortSnapshots } from "./snapshot-observe.js";
import { parseSnapshotXml } from "./snapshot-xml.js";
import { runBatch, type BatchReply } from "./virsh-batch.js";
import type { Virsh } from "./virsh.js";

/** How many agent probes (and reads of unbatchable domains) run at once, each in a virsh process of its own. */
const PARALLEL_VIRSH = 4;

/** Default deadline of a guest-ping. A hung agent keeps libvirt busy ~5 s; frost does not wait for that. */
export const DEFAULT_PING_TIMEOUT_MS = 3_000;

/** The agent's answers for one running domain. */
interface AgentFacts {
  live: DomainDevices;
  agent: AgentProbe;
  freeze?: "frozen" | "thawed";
}

/** A domain's persistent definition and snapshots. */
interface DefinitionFacts {
  persistent: DomainDevices;
  snapshots: ObservedSnapshot[];
  foreignSnapshots: number;
}

/**
 * Observes one libvirt host: every domain's state (one `domstats` call); the persistent XML and
 * snapshot list of the domains asked for, in batched virsh processes (virsh-batch.ts), started
 * with the listing when the domains are named; the live XML of the running ones in a batch of its
 * own, so that their agents are asked while the rest is read; the XML of every snapshot with a
 * frost name, in one more batch. Agent commands (guest-ping, then guest-fsfreeze-status where the
 * agent answered) never go into a batch: each runs in a virsh process of its own with a hard
 * deadline, at most PARALLEL_VIRSH at once, so that a hung agent holds up nothing else.
 */
export async function observeHost(
  virsh: Virsh,
  options: ObserveOptions,
  ping: (domain: string, timeoutMs: number) => Promise<AgentProbe>,
): Promise<ObservedHost> {
  const pingTimeoutMs = options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
  const listing = virsh.run(["domstats", "--state"]);
  // Names known up front are read while the listing runs (a name the host lacks just fails there).
  const early = options.domains ? readDefinitions(virsh, options.domains.filter(fitsInBatch)) : undefined;
  early?.catch(() => {}); // an unreachable host: the listing's error is the one reported
  const states = parseDomainStates(await listing);
  const wanted = (options.domains ?? [...states.keys()]).filter((n) => states.has(n));
  const stateOf = (name: string): DomainState => states.get(name) ?? "other";
  // Names virsh's own parser cannot carry (a quote or a line break) are read the old way, one
  // process per question with the name as an argument of its own. Config names never have them.
  const batched = wanted.filter(fitsInBatch);
  const alone = wanted.filter((n) => !fitsInBatch(n));

  const askAgent = async (name: string, live: DomainDevices): Promise<AgentFacts> => {
    let agent: AgentProbe;
    if (!live.agentChannel) agent = { status: "no-channel" };
    else if (live.agentChannel.state === "disconnected") agent = { status: "not-connected", message: "the agent channel is disconnected" };
    else agent = options.ping ? await ping(name, pingTimeoutMs) : { status: "not-checked" };
    // While frozen the agent still answers guest-ping (other commands fail): ask it which it is.
    const freeze = agent.status === "ok" ? await readFreezeStatus(virsh, name, pingTimeoutMs) : undefined;
    return { live, agent, ...(freeze ? { freeze } : {}) };
  };

  const [definitions, agents, lonely] = await Promise.all([
    (early ?? readDefinitions(virsh, batched)).then((replies) => definitionFacts(virsh, batched, replies)),
    readLive(
      virsh,
      batched.filter((n) => isActive(stateOf(n))),
    ).then((lives) =>
      mapBounded([...lives], PARALLEL_VIRSH, async ([name, live]) => [name, live && (await askAgent(name, live))] as const),
    ),
    mapBounded(alone, PARALLEL_VIRSH, async (name) => {
      const read = await readDomainAlone(virsh, name, stateOf(name));
      if (!read) return [name, undefined] as const;
      const { live, ...definition } = read;
      return [name, { definition, agent: live && (await askAgent(name, live)) }] as const;
    }),
  ]);

  const agentOf = new Map(agents);
  const aloneOf = new Map(lonely);
  const domains: Record<string, ObservedDomain> = {};
  for (const name of wanted) {
    const state = stateOf(name);
    const single = aloneOf.get(name);
    const definition = single ? single.definition : definitions.get(name);
    const agent = single ? single.agent : agentOf.get(name);
    // Found gone somewhere on the way (the listing is older than the reads): absent, as if never listed.
    if (!definition || (isActive(state) && !agent)) continue;
    const { persistent, snapshots, foreignSnapshots } = definition;
    domains[name] = agent
      ? {
          name,
          state,
          live: agent.live,
          persistent,
          agent: agent.agent,
          snapshots,
          foreignSnapshots,
          ...(agent.freeze ? { freeze: agent.freeze } : {}),
        }
      : { name, state, persistent, agent: { status: "not-checked" }, snapshots, foreignSnapshots };
  }
  return { uri: virsh.uri, names: [...states.keys()], states: Object.fromEntries(states), domains };
}

/** A domain undefined between the listing and its reading observes as absent: not found is not an error. */
function isDomainNotFound(message: string): boolean {
  return /failed to get domain|Domain not found/i.test(message);
}

/** What a failed batched command says, as `Virsh.run` would have thrown it. */
function batchFailure(reply: BatchReply, command: string, domain: string): HypervisorError {
  return new HypervisorError(reply.errors.join(": ") || `virsh ${command} failed`, command, domain);
}

/** The paths observation reads of a persistent (`inactive`) or live definition (domain-xpath.ts). */
function pathsOf(inactive: boolean): readonly string[] {
  return inactive ? OBSERVED_PATHS : OBSERVED_LIVE_PATHS;
}

/** A `dumpxml` reply (reduced to its paths when `xpath`) read by `parseDomainDevices`; a live one with its disks. */
function devicesOf(reply: BatchReply, xpath: boolean, inactive: boolean): DomainDevices {
  return parseDomainDevices(xpath ? domainFromNodes(reply.stdout, pathsOf(inactive)) : reply.stdout, { disks: !inactive });
}

/**
 * `dumpxml` of each domain (with `--inactive`: the persistent definition), in batches, reduced to
 * OBSERVED_PATHS, or OBSERVED_LIVE_PATHS for a live one (domain-xpath.ts); a virsh without
 * `--xpath` (libvirt < 8.5) refuses the whole batch, which is then asked again for whole documents.
 */
async function readDevices(virsh: Virsh, names: readonly string[], inactive: boolean, also: (name: string) => string[][] = () => []) {
  const ask = (xpath: boolean) =>
    runBatch(
      virsh,
      names.flatMap((name) => [
        ["dumpxml", "--domain", name, ...(inactive ? ["--inactive"] : []), ...(xpath ? ["--xpath", xpathOf(pathsOf(inactive))] : [])],
        ...also(name),
      ]),
    );
  try {
    return { replies: await ask(true), xpath: true };
  } catch (e) {
    if (!(e instanceof HypervisorError) || !/--xpath/.test(e.message)) throw e;
    return { replies: await ask(false), xpath: false };
  }
}

/** The persistent XML and the snapshot list of each domain: name -> [dumpxml, snapshot-list]. */
async function readDefinitions(
  virsh: Virsh,
  names: readonly string[],
): Promise<{ replies: Map<string, [BatchReply, BatchReply]>; xpath: boolean }> {
  // Parents before children: the order kept among snapshots of the same second.
  const { replies, xpath } = await readDevices(virsh, names, true, (name) => [
    ["snapshot-list", "--domain", name, "--name", "--topological"],
  ]);
  const byName = new Map<string, [BatchReply, BatchReply]>();
  names.forEach((name, i) => {
    const [xml, list] = [replies[2 * i], replies[2 * i + 1]];
    if (xml && list) byName.set(name, [xml, list]);
  });
  return { replies: byName, xpath };
}

/** The live devices of each running domain; undefined for one found gone. */
async function readLive(virsh: Virsh, names: readonly string[]): Promise<Map<string, DomainDevices | undefined>> {
  const { replies, xpath } = await readDevices(virsh, names, false);
  const lives = new Map<string, DomainDevices | undefined>();
  names.forEach((name, i) => {
    const reply = replies[i];
    if (!reply) return;
    if (!reply.failed) lives.set(name, devicesOf(reply, xpath, false));
    else if (isDomainNotFound(reply.errors.join(": "))) lives.set(name, undefined);
    else throw batchFailure(reply, "dumpxml", name);
  });
  return lives;
}

/** Persistent devices and frost's snapshots per domain (the snapshots' XML read in one more batch); a domain found gone is left out. */
async function definitionFacts(
  virsh: Virsh,
  names: readonly string[],
  read: { replies: Map<string, [BatchReply, BatchReply]>; xpath: boolean },
): Promise<Map<string, DefinitionFacts>> {
  const listed: { name: string; persistent: DomainDevices; snapshotNames: string[] }[] = [];
  for (const name of names) {
    const replies = read.replies.get(name);
    if (!replies) continue;
    const [xml, list] = replies;
    const failed = xml.failed ? ([xml, "dumpxml"] as const) : list.failed ? ([list, "snapshot-list"] as const) : undefined;
    if (failed) {
      if (isDomainNotFound(failed[0].errors.join(": "))) continue;
      throw batchFailure(failed[0], failed[1], name);
    }
    listed.push({ name, persistent: devicesOf(xml, read.xpath, true), snapshotNames: parseNames(list.stdout) });
  }
  const snapshots = await readFrostSnapshots(virsh, listed);
  const facts = new Map<string, DefinitionFacts>();
  for (const { name, persistent } of listed) {
    const s = snapshots.get(name);
    if (s) facts.set(name, { persistent, ...s });
  }
  return facts;
}

/**
 * frost's snapshots (oldest first) and the count of the others, per domain, from one batch of
 * `snapshot-dumpxml` of the snapshots with a frost name. A domain found gone maps to nothing.
 */
async function readFrostSnapshots(
  virsh: Virsh,
  domains: readonly { name: string; snapshotNames: readonly string[] }[],
): Promise<Map<string, { snapshots: ObservedSnapshot[]; foreignSnapshots: number }>> {
  const asked = domains.flatMap(({ name, snapshotNames }) =>
    snapshotNames.filter(looksLikeFrostName).map((snapshot) => ({ name, snapshot })),
  );
  const replies = await runBatch(
    virsh,
    asked.map(({ name, snapshot }) => ["snapshot-dumpxml", "--domain", name, "--snapshotname", snapshot]),
  );
  const docs = new Map<string, BatchReply>();
  asked.forEach(({ name, snapshot }, i) => {
    const reply = replies[i];
    if (reply) docs.set(`${name}\n${snapshot}`, reply);
  });

  const result = new Map<string, { snapshots: ObservedSnapshot[]; foreignSnapshots: number }>();
  for (const { name, snapshotNames } of domains) {
    const snapshots: ObservedSnapshot[] = [];
    let foreignSnapshots = 0;
    let gone = false;
    for (const snapshot of snapshotNames) {
      const reply = looksLikeFrostName(snapshot) ? docs.get(`${name}\n${snapshot}`) : undefined;
      if (!reply) {
        foreignSnapshots++;
        continue;
      }
      if (reply.failed) {
        const message = reply.errors.join(": ");
        if (isSnapshotNotFound(message)) continue; // removed between the listing and its dumpxml
        if (isDomainNotFound(message)) {
          gone = true;
          break;
        }
        throw batchFailure(reply, "snapshot-dumpxml", name);
      }
      const observed = frostSnapshot(snapshot, parseSnapshotXml(reply.stdout));
      if (observed) snapshots.push(observed);
      else foreignSnapshots++;
    }
    if (!gone) result.set(name, { snapshots: sortSnapshots(snapshots), foreignSnapshots });
  }
  return result;
}

/** One domain read with one virsh process per question (a name that cannot go into a batch). */
async function readDomainAlone(
  virsh: Virsh,
  name: string,
  state: DomainState,
): Promise<(DefinitionFacts & { live?: DomainDevices }) | undefined> {
  try {
    const persistent = parseDomainDevices(await virsh.run(["dumpxml", "--domain", name, "--inactive"], undefined, name));
    const snapshots = await observeSnapshots(virsh, name);
    if (!isActive(state)) return { persistent, ...snapshots };
    const live = parseDomainDevices(await virsh.run(["dumpxml", "--domain", name], undefined, name), { disks: true });
    return { persistent, live, ...snapshots };
  } catch (e) {
    if (isDomainNotFound((e as Error).message)) return undefined;
    throw e;
  }
}
