import { mapBounded } from "../../../pool.js";
import { looksLikeFrostName } from "../../../snapshots/naming.js";
import {
  HypervisorError,
  type AgentProbe,
  type DomainDevices,
  type DomainState,
  type ObserveOptions,
  type ObservedDomain,
  type ObservedHost,
  type ObservedSnapshot,
} from "../hypervisor.js";
import { isActive, parseDomainStates } from "./domain-list.js";
import { parseDomainDevices } from "./domain-xml.js";
import { domainFromNodes, OBSERVED_LIVE_PATHS, OBSERVED_PATHS, xpathOf } from "./domain-xpath.js";
import { frostSnapshot, isSnapshotNotFound, readFreezeStatus, sortSnapshots } from "./snapshot-observe.js";
import { listedLines, snapshotListCommands, snapshotNames } from "./snapshot-listing.js";
import { parseSnapshotXml } from "./snapshot-xml.js";
import { runBatch, type BatchReply } from "./virsh-batch.js";
import { runXpathBatch } from "./xpath-batch.js";
import type { Virsh } from "./virsh.js";

/** How many agent probes run at once, each in a virsh process of its own. */
const PARALLEL_VIRSH = 4;

/** Default deadline of a guest-ping. A hung agent keeps libvirt busy ~5 s; frost does not wait for that. */
export const DEFAULT_PING_TIMEOUT_MS = 3_000;

/** The agent's answers for one running domain. */
interface AgentFacts {
  live: DomainDevices;
  agent: AgentProbe;
  freeze?: "frozen" | "thawed";
}

/** A domain's persistent definition and snapshots, and what of them could not be read. */
interface DefinitionFacts {
  persistent: DomainDevices;
  snapshots: ObservedSnapshot[];
  foreignSnapshots: string[];
  problems: string[];
}

/** What libvirt said when it would not let frost read a domain: `virsh COMMAND: its words`. */
interface Unreadable {
  error: string;
}

/**
 * Observes one libvirt host: every domain's state (one `domstats` call); the persistent XML and
 * snapshot listings of the domains asked for, in batched virsh processes (virsh-batch.ts), started
 * with the listing when the domains are named; the live XML of the running ones in a batch of its
 * own, so that their agents are asked while the rest is read; the XML of every snapshot with a
 * frost name, in one more batch. Agent commands (guest-ping, then guest-fsfreeze-status where the
 * agent answered) never go into a batch: each runs in a virsh process of its own with a hard
 * deadline, at most PARALLEL_VIRSH at once, so that a hung agent holds up nothing else.
 *
 * Any name libvirt accepts is read: a command whose name virsh's syntax cannot carry runs in a
 * process of its own (runBatch), and snapshot names are split as snapshot-listing.ts says. A
 * domain libvirt would not let frost read is reported in `unreadable`, and a snapshot it would
 * not let frost read in the domain's `problems`; only a host that cannot be listed fails the whole.
 */
export async function observeHost(
  virsh: Virsh,
  options: ObserveOptions,
  ping: (domain: string, timeoutMs: number) => Promise<AgentProbe>,
): Promise<ObservedHost> {
  const pingTimeoutMs = options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
  const listing = virsh.run(["domstats", "--state"]);
  // Names known up front are read while the listing runs (a name the host lacks just fails there).
  const early = options.domains ? readDefinitions(virsh, options.domains) : undefined;
  early?.catch(() => {}); // an unreachable host: the listing's error is the one reported
  const states = parseDomainStates(await listing);
  const wanted = (options.domains ?? [...states.keys()]).filter((n) => states.has(n));
  const stateOf = (name: string): DomainState => states.get(name) ?? "other";

  const askAgent = async (name: string, live: DomainDevices): Promise<AgentFacts> => {
    let agent: AgentProbe;
    if (!live.agentChannel) agent = { status: "no-channel" };
    else if (live.agentChannel.state === "disconnected") agent = { status: "not-connected", message: "the agent channel is disconnected" };
    else agent = options.ping ? await ping(name, pingTimeoutMs) : { status: "not-checked" };
    // While frozen the agent still answers guest-ping (other commands fail): ask it which it is.
    const freeze = agent.status === "ok" ? await readFreezeStatus(virsh, name, pingTimeoutMs) : undefined;
    return { live, agent, ...(freeze ? { freeze } : {}) };
  };

  const [definitions, agents] = await Promise.all([
    (early ?? readDefinitions(virsh, wanted)).then((replies) => definitionFacts(virsh, wanted, replies)),
    readLive(
      virsh,
      wanted.filter((n) => isActive(stateOf(n))),
    ).then((lives) =>
      mapBounded(
        [...lives],
        PARALLEL_VIRSH,
        async ([name, live]) => [name, live && ("error" in live ? live : await askAgent(name, live))] as const,
      ),
    ),
  ]);

  const agentOf = new Map(agents);
  const domains: Record<string, ObservedDomain> = {};
  const unreadable: Record<string, string> = {};
  for (const name of wanted) {
    const state = stateOf(name);
    const definition = definitions.get(name);
    const agent = agentOf.get(name);
    const failure = definition && "error" in definition ? definition : agent && "error" in agent ? agent : undefined;
    if (failure) {
      unreadable[name] = failure.error;
      continue;
    }
    // Found gone somewhere on the way (the listing is older than the reads): absent, as if never listed.
    if (!definition || "error" in definition || (isActive(state) && !agent)) continue;
    const { persistent, snapshots, foreignSnapshots, problems } = definition;
    const read = { snapshots, foreignSnapshots, ...(problems.length > 0 ? { problems } : {}) };
    domains[name] =
      agent && !("error" in agent)
        ? { name, state, live: agent.live, persistent, agent: agent.agent, ...read, ...(agent.freeze ? { freeze: agent.freeze } : {}) }
        : { name, state, persistent, agent: { status: "not-checked" }, ...read };
  }
  return {
    uri: virsh.uri,
    names: [...states.keys()],
    states: Object.fromEntries(states),
    domains,
    ...(Object.keys(unreadable).length > 0 ? { unreadable } : {}),
  };
}

/** A domain undefined between the listing and its reading observes as absent: not found is not an error. */
function isDomainNotFound(message: string): boolean {
  return /failed to get domain|Domain not found/i.test(message);
}

/** What a failed command said, as `virsh COMMAND: its words`. */
function failureOf(reply: BatchReply, command: string): string {
  return `virsh ${command}: ${reply.errors.join(": ") || "failed"}`;
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
 * OBSERVED_PATHS, or OBSERVED_LIVE_PATHS for a live one (domain-xpath.ts), whole documents from a
 * virsh without `--xpath`.
 */
function readDevices(virsh: Virsh, names: readonly string[], inactive: boolean, also: (name: string) => string[][] = () => []) {
  return runXpathBatch(virsh, (xpath) =>
    names.flatMap((name) => [
      ["dumpxml", "--domain", name, ...(inactive ? ["--inactive"] : []), ...(xpath ? ["--xpath", xpathOf(pathsOf(inactive))] : [])],
      ...also(name),
    ]),
  );
}

/** The persistent XML and the two snapshot listings of each domain: name -> [dumpxml, names, table]. */
async function readDefinitions(
  virsh: Virsh,
  names: readonly string[],
): Promise<{ replies: Map<string, [BatchReply, BatchReply, BatchReply]>; xpath: boolean }> {
  const { replies, xpath } = await readDevices(virsh, names, true, snapshotListCommands);
  const byName = new Map<string, [BatchReply, BatchReply, BatchReply]>();
  names.forEach((name, i) => {
    const [xml, list, table] = [replies[3 * i], replies[3 * i + 1], replies[3 * i + 2]];
    if (xml && list && table) byName.set(name, [xml, list, table]);
  });
  return { replies: byName, xpath };
}

/** The live devices of each running domain; undefined for one found gone. */
async function readLive(virsh: Virsh, names: readonly string[]): Promise<Map<string, DomainDevices | Unreadable | undefined>> {
  const { replies, xpath } = await readDevices(virsh, names, false);
  const lives = new Map<string, DomainDevices | Unreadable | undefined>();
  names.forEach((name, i) => {
    const reply = replies[i];
    if (!reply) return;
    if (!reply.failed) lives.set(name, devicesOf(reply, xpath, false));
    else if (isDomainNotFound(reply.errors.join(": "))) lives.set(name, undefined);
    else lives.set(name, { error: failureOf(reply, "dumpxml") });
  });
  return lives;
}

/** Persistent devices and snapshots per domain (frost's read in one more batch); a domain found gone is left out. */
async function definitionFacts(
  virsh: Virsh,
  names: readonly string[],
  read: { replies: Map<string, [BatchReply, BatchReply, BatchReply]>; xpath: boolean },
): Promise<Map<string, DefinitionFacts | Unreadable>> {
  const facts = new Map<string, DefinitionFacts | Unreadable>();
  const listed: { name: string; persistent: DomainDevices; snapshotNames: string[]; problems: string[] }[] = [];
  for (const name of names) {
    const replies = read.replies.get(name);
    if (!replies) continue;
    const [xml, list, table] = replies;
    const failed = xml.failed
      ? ([xml, "dumpxml"] as const)
      : list.failed || table.failed
        ? ([list.failed ? list : table, "snapshot-list"] as const)
        : undefined;
    if (failed) {
      if (!isDomainNotFound(failed[0].errors.join(": "))) facts.set(name, { error: failureOf(failed[0], failed[1]) });
      continue;
    }
    const exact = snapshotNames(list.stdout, table.stdout);
    listed.push({
      name,
      persistent: devicesOf(xml, read.xpath, true),
      snapshotNames: exact ?? (listedLines(list.stdout) ?? []).filter((l) => l !== ""),
      problems: exact
        ? []
        : [
            "its snapshot names could not be read exactly (virsh's two listings of them disagreed: was one taken or deleted meanwhile?); " +
              "the names of snapshots frost did not take are as virsh printed them, one per line",
          ],
    });
  }
  const snapshots = await readFrostSnapshots(virsh, listed);
  for (const { name, persistent, problems } of listed) {
    const s = snapshots.get(name);
    if (s) facts.set(name, { persistent, ...s, problems: [...problems, ...s.problems] });
  }
  return facts;
}

/**
 * frost's snapshots (oldest first) and the names of the others, per domain, from one batch of
 * `snapshot-dumpxml` of the snapshots with a frost name. A snapshot libvirt would not let frost
 * read counts as one frost did not take (so it is never touched), and is named in `problems`.
 * A domain found gone maps to nothing.
 */
async function readFrostSnapshots(
  virsh: Virsh,
  domains: readonly { name: string; snapshotNames: readonly string[] }[],
): Promise<Map<string, { snapshots: ObservedSnapshot[]; foreignSnapshots: string[]; problems: string[] }>> {
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

  const result = new Map<string, { snapshots: ObservedSnapshot[]; foreignSnapshots: string[]; problems: string[] }>();
  for (const { name, snapshotNames } of domains) {
    const snapshots: ObservedSnapshot[] = [];
    const foreignSnapshots: string[] = [];
    const problems: string[] = [];
    let gone = false;
    for (const snapshot of snapshotNames) {
      const reply = looksLikeFrostName(snapshot) ? docs.get(`${name}\n${snapshot}`) : undefined;
      if (!reply) {
        foreignSnapshots.push(snapshot);
        continue;
      }
      if (reply.failed) {
        const message = reply.errors.join(": ");
        if (isSnapshotNotFound(message)) continue; // removed between the listing and its dumpxml
        if (isDomainNotFound(message)) {
          gone = true;
          break;
        }
        problems.push(`snapshot ${snapshot} could not be read (${failureOf(reply, "snapshot-dumpxml")}); frost leaves it alone`);
        foreignSnapshots.push(snapshot);
        continue;
      }
      const observed = frostSnapshot(snapshot, parseSnapshotXml(reply.stdout));
      if (observed) snapshots.push(observed);
      else foreignSnapshots.push(snapshot);
    }
    if (!gone) result.set(name, { snapshots: sortSnapshots(snapshots), foreignSnapshots, problems });
  }
  return result;
}
