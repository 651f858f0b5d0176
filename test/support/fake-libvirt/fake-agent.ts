import { HypervisorError } from "../../../reconcile/providers/libvirt/hypervisor.js";
import type { FakeDomain } from "./fake-domain.js";

/** The session steps and operations a test can make fail once (`FakeHypervisor.failNext`). */
export type FakeOperation =
  | "attach"
  | "detach"
  | "observe"
  | "open"
  | "prepare"
  | "ping"
  | "freeze"
  | "snapshot"
  | "thaw"
  | "recordMeta"
  | "delete"
  | "record"
  | "pool"
  | "upload"
  | "overlay"
  | "delete-volume"
  | "define"
  | "start"
  | "stop"
  | "undefine"
  | "resources";

/** What the fake session and hypervisor need of the fake's state. */
export interface FakeHost {
  readonly calls: string[];
  /** Prepared overlays that exist and no snapshot uses, as `domain/snapshot`. */
  readonly prepared: Set<string>;
  find(name: string): FakeDomain;
  maybeFail(operation: FakeOperation, domain: string): void;
}

/** The timeout a hung agent ends in: at frost's deadline, without waiting for it in real time. */
export class FakeTimeout extends HypervisorError {}

/**
 * domfsfreeze / domfsthaw on a fake domain, with libvirt 9's words: `Unable to freeze filesystems:`
 * then the reason (not running, no channel, no agent, already frozen). A hung agent makes the call
 * pass its deadline (`FakeTimeout`) and changes nothing. Returns how many filesystems changed state.
 */
export function fakeFsFreeze(d: FakeDomain, verb: "freeze" | "thaw", timeoutMs: number, operation: string): number {
  const fail = (reason: string) => new HypervisorError(`Unable to ${verb} filesystems: ${reason}`, operation, d.name);
  if (!d.live) throw fail("Requested operation is not valid: domain is not running");
  if (!d.live.agentChannel) throw fail("argument unsupported: QEMU guest agent is not configured");
  if (d.agent === "absent") throw fail("Guest agent is not responding: QEMU guest agent is not connected");
  if (d.agent === "hung") throw new FakeTimeout(`${operation} did not finish within ${timeoutMs} ms`, operation, d.name);
  const filesystems = d.filesystems ?? 2;
  if (verb === "freeze") {
    if (d.frozen) {
      throw fail(
        "internal error: unable to execute QEMU agent command 'guest-fsfreeze-freeze': Command guest-fsfreeze-freeze has been disabled: the agent is in frozen state",
      );
    }
    d.frozen = true;
    return filesystems;
  }
  const thawed = d.frozen ? filesystems : 0;
  d.frozen = false;
  return thawed;
}

/** libvirt's creation time has whole seconds. */
export function wholeSecondsNow(): string {
  return new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
}
