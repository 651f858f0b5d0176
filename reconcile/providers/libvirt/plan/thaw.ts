import type { ObservedDomain } from "../hypervisor.js";
import { instanceAddress, type Remark } from "../../../model.js";
import type { LibvirtChange } from "../steps.js";
import type { FreezeJournalEntry } from "../../../snapshots/freeze-journal.js";

/**
 * A journal entry as the planner sees it: whether the run that wrote it may still hold the freeze
 * (false only when it is proven gone, `why` saying how).
 */
export interface JournalFact {
  entry: FreezeJournalEntry;
  writerAlive: boolean;
  why?: string;
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
): { change?: LibvirtChange; remark?: Remark } {
  const address = instanceAddress(instance);
  if (domain.freeze === undefined && domain.state === "running" && journal && !journal.writerAlive) {
    // A run proven gone froze it, and its agent cannot say whether it still is: say so, never "no changes" in silence.
    return {
      remark: {
        host,
        address,
        message: `may still be frozen: frost pid ${journal.entry.pid} froze it at ${journal.entry.startedAt} and is gone, and its agent does not answer (${domain.agent.status}); frost thaws it as soon as the agent answers`,
      },
    };
  }
  if (domain.freeze !== "frozen") return {};
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
      reason: `thaw (left frozen by an interrupted run: pid ${journal.entry.pid}, since ${journal.entry.startedAt}${journal.why ? `; ${journal.why}` : ""})`,
      steps: [{ kind: "thaw", domain: domain.name }],
      notes: [],
    },
  };
}
