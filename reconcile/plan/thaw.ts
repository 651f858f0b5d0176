import type { ObservedDomain } from "../hypervisor/types.js";
import { instanceAddress, type Change, type Remark } from "../model.js";
import type { FreezeJournalEntry } from "../snapshots/freeze-journal.js";

/** A journal entry as the planner sees it: whether the run that wrote it is still alive. */
export interface JournalFact {
  entry: FreezeJournalEntry;
  writerAlive: boolean;
}

/**
 * Plans the thaw of a guest found frozen. Frozen by a frost run that is gone (its journal entry
 * remains): thaw. Frozen by a frost run still going: leave it be. Frozen by something else: say
 * so, and leave it to the operator (`frost thaw`): another tool may be in the middle of a backup.
 */
export function planThaw(
  host: string,
  instance: string,
  domain: ObservedDomain,
  journal: JournalFact | undefined,
): { change?: Change; remark?: Remark } {
  if (domain.freeze !== "frozen") return {};
  const address = instanceAddress(instance);
  if (journal?.writerAlive) {
    return {
      remark: {
        host,
        address,
        message: `frozen by frost pid ${journal.entry.pid} on ${journal.entry.hostname}, taking ${journal.entry.snapshot} since ${journal.entry.startedAt}`,
      },
    };
  }
  if (!journal) {
    return {
      remark: {
        host,
        address,
        message:
          "the guest's filesystems are frozen, but not by frost (another backup tool?); run frost thaw " + instance + " to thaw them",
      },
    };
  }
  return {
    change: {
      host,
      address,
      action: "thaw",
      before: { filesystems: "frozen" },
      after: { filesystems: "thawed" },
      reason: `thaw (left frozen by an interrupted run: pid ${journal.entry.pid}, since ${journal.entry.startedAt})`,
      steps: [{ kind: "thaw", domain: domain.name }],
      notes: [],
    },
  };
}
