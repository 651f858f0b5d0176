import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { currentProcess, identityFields, liveness, realProc, type Liveness, type ProcessIdentity } from "../process/identity.js";
import { syncDirectory } from "../process/sync-dir.js";
import { sameHost, type JournalHost } from "./journal-host.js";

export type { JournalHost } from "./journal-host.js";

/**
 * One entry of the freeze journal: a frost run is about to freeze `domain` on the host reached by
 * `uri` (whose libvirt UUID is `hostUuid`, where known). Written and synced before the freeze
 * request is sent, and removed once the guest is thawed, so that a run killed in between (SIGKILL,
 * OOM, power loss) leaves a trace the next run turns into a thaw.
 *
 * `session` is random per freeze; `thawBy` is when the writer has, by its own deadlines, thawed
 * the guest or given up (freeze, hold, cut and every thaw attempt): past it, whoever wrote the
 * entry, no frost run is still holding that freeze. Entries of older frost versions lack both, and
 * the identity fields (see process/identity.ts).
 */
export interface FreezeJournalEntry extends ProcessIdentity {
  uri: string;
  hostUuid?: string;
  domain: string;
  snapshot: string;
  startedAt: string;
  session?: string;
  thawBy?: string;
}

/** An entry as read back, with the file it is in (what `forget` removes). */
export interface JournalRecord {
  entry: FreezeJournalEntry;
  file: string;
}

/** The freeze sessions of this process that have not ended: their entries are alive whatever else holds. */
const activeSessions = new Set<string>();

/**
 * How long after its start an entry without `thawBy` (an older frost's) is taken as over: well past
 * what that version's deadlines allowed a freeze to last.
 */
const LEGACY_HOLD_MS = 10 * 60_000;

/**
 * The freeze journal: one small file per frozen guest under `<stateDir>/freeze-journal/`, named by
 * a digest of the host and domain (any domain name is a safe file name that way). Every write and
 * removal is synced, the directory included, so that an entry survives a power cut and a removed
 * one does not come back.
 */
export class FreezeJournal {
  private readonly dir: string;

  constructor(
    /** Where frost keeps its state; the journal is its `freeze-journal/`. */
    readonly stateDir: string,
    private readonly now: () => number = Date.now,
  ) {
    this.dir = join(stateDir, "freeze-journal");
  }

  /**
   * Records, durably, that this process is about to freeze `domain`, and will have thawed it or
   * given up within `holdMs` (its deadlines). Returns the record, to `end` once the session is over.
   */
  async record(entry: { uri: string; hostUuid?: string; domain: string; snapshot: string; holdMs: number }): Promise<JournalRecord> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const session = randomBytes(8).toString("hex");
    const now = this.now();
    const { holdMs, ...where } = entry;
    const full: FreezeJournalEntry = {
      ...where,
      startedAt: new Date(now).toISOString(),
      thawBy: new Date(now + holdMs).toISOString(),
      ...currentProcess(),
      session,
    };
    const file = join(this.dir, `${fileKey(entry.hostUuid ?? entry.uri, entry.domain)}.json`);
    activeSessions.add(session);
    const handle = await open(file, "w", 0o600);
    try {
      await handle.writeFile(JSON.stringify(full) + "\n");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await syncDirectory(this.dir);
    return { entry: full, file };
  }

  /**
   * Ends a freeze session of this process. `thawed`: the guest was thawed, and the entry goes (if it
   * is still this session's). Otherwise it stays for the next run, which now sees it as not alive.
   */
  async end(record: JournalRecord, thawed: boolean): Promise<void> {
    if (record.entry.session !== undefined) activeSessions.delete(record.entry.session);
    if (thawed) await this.forget(record);
  }

  /**
   * Removes an entry once its guest is known thawed, only while the file still holds that very
   * entry (another run may have journalled a new freeze of the guest meanwhile). True when removed.
   */
  async forget(record: JournalRecord): Promise<boolean> {
    const current = await readEntry(record.file);
    if (!current || !sameEntry(current, record.entry)) return false;
    try {
      await unlink(record.file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw e;
    }
    await syncDirectory(this.dir);
    return true;
  }

  /** Re-reads an entry: the record as it is now, or undefined when it is gone or is another freeze's. */
  async reread(record: JournalRecord): Promise<JournalRecord | undefined> {
    const current = await readEntry(record.file);
    return current && sameEntry(current, record.entry) ? { entry: current, file: record.file } : undefined;
  }

  /** Every entry for `host` (by UUID or URI); unreadable files are skipped (a torn write means no freeze was sent). */
  async list(host: JournalHost): Promise<JournalRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const records: JournalRecord[] = [];
    for (const name of names.filter((n) => n.endsWith(".json")).sort()) {
      const file = join(this.dir, name);
      const entry = await readEntry(file);
      if (entry && sameHost(entry, host)) records.push({ entry, file });
    }
    return records;
  }

  /** Whether the run that wrote `entry` may still be holding its guest frozen (see `writerState`). */
  writerState(entry: FreezeJournalEntry, self: ProcessIdentity = currentProcess()): Liveness {
    return writerState(entry, this.now(), self);
  }
}

function fileKey(host: string, domain: string): string {
  return createHash("sha256").update(`${host}\n${domain}`).digest("hex").slice(0, 24);
}

function sameEntry(a: FreezeJournalEntry, b: FreezeJournalEntry): boolean {
  return a.session === b.session && a.pid === b.pid && a.startedAt === b.startedAt && a.domain === b.domain;
}

async function readEntry(file: string): Promise<FreezeJournalEntry | undefined> {
  try {
    const v = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
    const strings = ["uri", "domain", "snapshot", "startedAt", "hostname"] as const;
    if (strings.some((k) => typeof v[k] !== "string") || typeof v["pid"] !== "number") return undefined;
    return {
      uri: v["uri"] as string,
      ...(typeof v["hostUuid"] === "string" ? { hostUuid: v["hostUuid"] } : {}),
      domain: v["domain"] as string,
      snapshot: v["snapshot"] as string,
      startedAt: v["startedAt"] as string,
      pid: v["pid"],
      hostname: v["hostname"] as string,
      ...identityFields(v),
      ...(typeof v["session"] === "string" ? { session: v["session"] } : {}),
      ...(typeof v["thawBy"] === "string" ? { thawBy: v["thawBy"] } : {}),
    };
  } catch {
    return undefined; // a torn write or no file: no freeze was sent under it
  }
}

/**
 * Whether the run that wrote `entry` may still hold its guest frozen, at `now` (ms):
 * - a freeze session of this very process that has not ended: alive;
 * - this very process, session ended (its thaw failed, say): gone — the next pass thaws;
 * - past `thawBy` (or, for an older entry, well past its start): gone, whoever wrote it, since
 *   every frost run thaws or gives up by then;
 * - otherwise as `liveness` proves it: gone (this machine: its pid no longer runs, or is another
 *   process; or this machine rebooted since), alive, or unknown (another machine) — which counts
 *   as alive until `thawBy`. An older entry of this machine (no boot id) whose pid no longer runs
 *   is gone, as before.
 */
export function writerState(entry: FreezeJournalEntry, now: number, self: ProcessIdentity = currentProcess()): Liveness {
  if (entry.session !== undefined && activeSessions.has(entry.session)) return { state: "alive" };
  const thisProcess =
    entry.pid === self.pid &&
    entry.hostname === self.hostname &&
    entry.bootId !== undefined &&
    entry.bootId === self.bootId &&
    (entry.startTime === undefined || entry.startTime === self.startTime);
  if (thisProcess) return { state: "gone", why: "this run's freeze session has ended" };
  const thawBy = entry.thawBy !== undefined ? Date.parse(entry.thawBy) : Date.parse(entry.startedAt) + LEGACY_HOLD_MS;
  if (Number.isFinite(thawBy) && now > thawBy) {
    return { state: "gone", why: `its thaw deadline passed at ${new Date(thawBy).toISOString()}` };
  }
  const state = liveness(entry, self);
  if (state.state !== "unknown") return state;
  if (entry.bootId === undefined && entry.hostname === self.hostname && !realProc.exists(entry.pid)) {
    return { state: "gone", why: `pid ${entry.pid} no longer runs` };
  }
  return state;
}
