import { createHash } from "node:crypto";
import { mkdir, open, readdir, readFile, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";

/**
 * One entry of the freeze journal: frost is about to freeze `domain` on `uri`. Written (and
 * synced) before the freeze request is sent and removed once the guest is thawed, so that a run
 * killed in between (SIGKILL, power loss) leaves a trace the next plan turns into a thaw.
 */
export interface FreezeJournalEntry {
  uri: string;
  domain: string;
  pid: number;
  hostname: string;
  startedAt: string;
  snapshot: string;
}

/** The freeze journal: one small file per frozen guest under `<stateDir>/freeze-journal/`. */
export class FreezeJournal {
  private readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, "freeze-journal");
  }

  /** Records, durably, that this process is about to freeze `domain`. */
  async record(entry: Omit<FreezeJournalEntry, "pid" | "hostname">): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const full: FreezeJournalEntry = { ...entry, pid: process.pid, hostname: hostname() };
    const file = await open(this.path(entry.uri, entry.domain), "w", 0o600);
    try {
      await file.writeFile(JSON.stringify(full) + "\n");
      await file.sync();
    } finally {
      await file.close();
    }
  }

  /** Forgets the entry of `domain` once it is thawed. */
  async clear(uri: string, domain: string): Promise<void> {
    await rm(this.path(uri, domain), { force: true });
  }

  /** Every entry for `uri`; unreadable files are skipped (a half-written entry means no freeze was sent). */
  async list(uri: string): Promise<FreezeJournalEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const prefix = `${uriDigest(uri)}-`;
    const entries: FreezeJournalEntry[] = [];
    for (const name of names.filter((n) => n.startsWith(prefix) && n.endsWith(".json"))) {
      try {
        const entry = JSON.parse(await readFile(join(this.dir, name), "utf8")) as FreezeJournalEntry;
        if (entry.uri === uri) entries.push(entry);
      } catch {
        // a torn write: the freeze request was never sent
      }
    }
    return entries;
  }

  private path(uri: string, domain: string): string {
    return join(this.dir, `${uriDigest(uri)}-${domain}.json`);
  }
}

function uriDigest(uri: string): string {
  return createHash("sha256").update(uri).digest("hex").slice(0, 16);
}

/** True when the process that wrote `entry` still runs (on this machine; elsewhere it cannot be known). */
export function writerAlive(entry: FreezeJournalEntry): boolean {
  if (entry.hostname !== hostname()) return true;
  try {
    process.kill(entry.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
