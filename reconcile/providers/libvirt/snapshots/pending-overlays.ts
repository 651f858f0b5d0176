import { createHash } from "node:crypto";
import { mkdir, open, readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { QuiescePolicy } from "../../../config/types.js";
import { syncDirectory } from "../../../process/sync-dir.js";
import { sameHost, type JournalHost } from "../../../snapshots/journal-host.js";

/**
 * Overlay files a snapshot cut left behind when frost stopped waiting for the cut before libvirt
 * answered (frost's deadline passed, or its virsh died): libvirt's job may still finish and switch
 * the guest onto them, so they are never removed then. The next run removes them once libvirt is
 * known to be done and nothing uses them, or, when the cut did finish, settles the snapshot it made
 * (see recovery.ts). `quiesce` is the policy the snapshot was taken under.
 */
export interface PendingOverlaysEntry {
  uri: string;
  hostUuid?: string;
  domain: string;
  snapshot: string;
  files: string[];
  quiesce: QuiescePolicy;
  at: string;
}

/** An entry as read back, with its file. */
export interface PendingOverlaysRecord {
  entry: PendingOverlaysEntry;
  file: string;
}

/** The ledger of pending overlays: one small file per cut under `<stateDir>/pending-overlays/`, synced like the freeze journal. */
export class PendingOverlays {
  private readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, "pending-overlays");
  }

  async record(entry: PendingOverlaysEntry): Promise<PendingOverlaysRecord> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const key = createHash("sha256")
      .update(`${entry.hostUuid ?? entry.uri}\n${entry.domain}\n${entry.snapshot}`)
      .digest("hex")
      .slice(0, 24);
    const file = join(this.dir, `${key}.json`);
    const handle = await open(file, "w", 0o600);
    try {
      await handle.writeFile(JSON.stringify(entry) + "\n");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await syncDirectory(this.dir);
    return { entry, file };
  }

  async list(host: JournalHost): Promise<PendingOverlaysRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const records: PendingOverlaysRecord[] = [];
    for (const name of names.filter((n) => n.endsWith(".json")).sort()) {
      const file = join(this.dir, name);
      const entry = await readEntry(file);
      if (!entry) continue;
      if (sameHost(entry, host)) records.push({ entry, file });
    }
    return records;
  }

  async forget(record: PendingOverlaysRecord): Promise<void> {
    try {
      await unlink(record.file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    await syncDirectory(this.dir);
  }
}

async function readEntry(file: string): Promise<PendingOverlaysEntry | undefined> {
  try {
    const v = JSON.parse(await readFile(file, "utf8")) as Partial<PendingOverlaysEntry>;
    const ok =
      typeof v.uri === "string" &&
      typeof v.domain === "string" &&
      typeof v.snapshot === "string" &&
      Array.isArray(v.files) &&
      v.files.every((f) => typeof f === "string" && f !== "") &&
      (v.quiesce === "required" || v.quiesce === "preferred" || v.quiesce === "off");
    return ok ? (v as PendingOverlaysEntry) : undefined;
  } catch {
    return undefined;
  }
}

/** The ledger beside a freeze journal (in its state directory), one per journal. */
const ledgers = new WeakMap<object, PendingOverlays>();
export function pendingOverlays(journal: { readonly stateDir: string }): PendingOverlays {
  let ledger = ledgers.get(journal);
  if (!ledger) ledgers.set(journal, (ledger = new PendingOverlays(journal.stateDir)));
  return ledger;
}
