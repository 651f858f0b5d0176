import { HypervisorError } from "../hypervisor.js";
import { runBatch, type BatchReply } from "./virsh-batch.js";
import type { Virsh } from "./virsh.js";

/** What a virsh without `--xpath` (libvirt < 8.5) says when asked for it. */
function refusesXpath(message: string): boolean {
  return /support option --xpath/.test(message);
}

/**
 * A batch of `dumpxml … --xpath EXPR` commands (among others), built by `commands(true)`. A virsh
 * without `--xpath` (libvirt < 8.5) refuses the whole batch, or each such command where it ran
 * alone; the batch is then asked again as `commands(false)`, for whole documents. `xpath` says
 * which of the two the replies answer.
 */
export async function runXpathBatch(
  virsh: Virsh,
  commands: (xpath: boolean) => readonly (readonly string[])[],
): Promise<{ replies: BatchReply[]; xpath: boolean }> {
  try {
    const replies = await runBatch(virsh, commands(true));
    if (!replies.some((r) => r.failed && refusesXpath(r.errors.join(": ")))) return { replies, xpath: true };
  } catch (e) {
    if (!(e instanceof HypervisorError) || !refusesXpath(e.message)) throw e;
  }
  return { replies: await runBatch(virsh, commands(false)), xpath: false };
}
