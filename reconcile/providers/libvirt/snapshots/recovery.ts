import { pendingOverlays } from "./pending-overlays.js";
import type { Hypervisor } from "../hypervisor.js";
import type { FreezeJournal, JournalHost, JournalRecord } from "../../../snapshots/freeze-journal.js";
import { ensureThawed } from "./thaw.js";
import type { Timers } from "../../../timers.js";

/** Something recovery did or could not do, for the user: `warning` when a guest may still be frozen. */
export interface RecoveryNotice {
  domain: string;
  severity: "info" | "warning";
  message: string;
}

/** Options of `recoverFreezes`. */
export interface RecoverOptions {
  /** Deadline of one thaw attempt. */
  thawMs: number;
  /** Domains left to the caller (a saved plan that thaws them itself). */
  exclude?: ReadonlySet<string>;
  /**
   * Recovering without the host's lock (another run holds it, or it cannot be read): each entry is
   * read again right before its thaw, and left alone if it changed (a live run journalled a freeze
   * of that guest since).
   */
  lockless?: boolean;
  /** What the pauses between thaw attempts are spent by; default the real timers. */
  timers?: Timers;
}

/** The journal's key of the host `hv` reaches: its URI, and its UUID where libvirt reports one. */
export async function journalHost(hv: Hypervisor): Promise<JournalHost> {
  const uuid = await hv.hostUuid().catch(() => undefined);
  return { uri: hv.uri, ...(uuid !== undefined ? { hostUuid: uuid } : {}) };
}

/**
 * Settles the freeze journal of one host before a run acts on it (guarantee 1: a guest left frozen
 * by a run that died is thawed by the next run, with no human step in between). For each entry
 * whose writer is proven gone: a guest found frozen is thawed and its entry removed; a guest found
 * thawed (or stopped, or gone) only loses its entry, so that a later freeze by another tool is never
 * taken for frost's; a guest whose agent cannot say is left, with a warning, for the next run.
 * Entries of live runs are not touched.
 */
export async function recoverFreezes(hv: Hypervisor, journal: FreezeJournal, options: RecoverOptions): Promise<RecoveryNotice[]> {
  const records = (await journal.list(await journalHost(hv))).filter(
    (r) => journal.writerState(r.entry).state === "gone" && !options.exclude?.has(r.entry.domain),
  );
  if (records.length === 0) return [];
  const observed = await hv.observe({ domains: [...new Set(records.map((r) => r.entry.domain))], ping: true });
  const notices: RecoveryNotice[] = [];
  for (const record of records) {
    const { domain } = record.entry;
    const guest = observed.domains[domain];
    const thawed = !guest || guest.state === "shutoff" || guest.freeze === "thawed";
    if (thawed) {
      await journal.forget(record);
      continue;
    }
    if (guest.freeze !== "frozen") {
      notices.push({
        domain,
        severity: "warning",
        message: `${describeLeft(record, journal)}, but its agent cannot say whether it still is (${guest.agent.status}${guest.agent.message ? `: ${guest.agent.message}` : ""}); frost tries again on the next run`,
      });
      continue;
    }
    if (options.lockless && !(await journal.reread(record))) continue;
    try {
      const n = await ensureThawed(hv, undefined, domain, options.thawMs, options.timers);
      await journal.forget(record);
      notices.push({ domain, severity: "info", message: `thawed ${n} filesystem(s): ${describeLeft(record, journal)}` });
    } catch (e) {
      notices.push({
        domain,
        severity: "warning",
        message: `${describeLeft(record, journal)} and is still frozen: ${(e as Error).message}`,
      });
    }
  }
  return notices;
}

/**
 * Settles the overlay files cuts left pending on one host (see pending-overlays.ts): removed once
 * libvirt is done and nothing uses them; left, for the next run, while libvirt still works on the
 * domain. Where the cut did finish after frost had stopped waiting, the guest may have been thawed
 * by then, so the snapshot it made cannot be trusted to be what its record says (guarantee 2): it
 * is deleted (it is frost's own; deleting merges its overlay, nothing is lost) and the schedule
 * takes it again.
 */
export async function settlePendingOverlays(hv: Hypervisor, journal: FreezeJournal): Promise<RecoveryNotice[]> {
  const notices: RecoveryNotice[] = [];
  for (const record of await pendingOverlays(journal).list(await journalHost(hv))) {
    const { domain, snapshot, files } = record.entry;
    const settled = await hv.settleOverlays(domain, snapshot, files);
    switch (settled.status) {
      case "busy":
        notices.push({ domain, severity: "info", message: `the overlays of snapshot ${snapshot} are kept for now: ${settled.why}` });
        break;
      case "in-use":
        notices.push({
          domain,
          severity: "warning",
          message: `the overlays of snapshot ${snapshot} (${files.join(", ")}) are kept: ${settled.why}`,
        });
        break;
      case "removed":
        await pendingOverlays(journal).forget(record);
        notices.push({
          domain,
          severity: "info",
          message: `removed the overlays ${files.join(", ")} of snapshot ${snapshot}, whose cut frost had stopped waiting for: libvirt is done with them`,
        });
        break;
      case "snapshot":
        try {
          await hv.deleteSnapshot(domain, snapshot);
          await pendingOverlays(journal).forget(record);
          notices.push({
            domain,
            severity: "warning",
            message: `deleted snapshot ${snapshot}: libvirt finished its cut after frost had stopped waiting and thawed the guest, so it may not be consistent; it is taken again when due`,
          });
        } catch (e) {
          notices.push({
            domain,
            severity: "warning",
            message: `snapshot ${snapshot} was cut after frost had stopped waiting and may not be consistent, and frost could not delete it: ${(e as Error).message}`,
          });
        }
        break;
    }
  }
  return notices;
}

/** Removes the journal entries of `domain` that no live run holds, once the guest is known thawed. */
export async function forgetThawed(hv: Hypervisor, journal: FreezeJournal, domain: string): Promise<void> {
  for (const record of await journal.list(await journalHost(hv))) {
    if (record.entry.domain === domain && journal.writerState(record.entry).state === "gone") await journal.forget(record);
  }
}

/** `left frozen by frost pid 4242 on host1 (taking nightly-…) since …, which is gone: pid 4242 no longer runs` */
function describeLeft(record: JournalRecord, journal: FreezeJournal): string {
  const { entry } = record;
  const state = journal.writerState(entry);
  const why = state.state === "gone" ? `: ${state.why}` : "";
  return `left frozen by frost pid ${entry.pid} on ${entry.hostname} (taking ${entry.snapshot}) since ${entry.startedAt}, which is gone${why}`;
}
