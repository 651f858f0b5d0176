import { unlink } from "node:fs/promises";
import { HypervisorError, type OverlaySettlement } from "../hypervisor.js";
import { isSnapshotNotFound } from "./snapshot-observe.js";
import { parseDomainDisks } from "./snapshot-xml.js";
import { virshError, type Virsh } from "./virsh.js";

/** libvirt's words for a domain it does not have. */
function isDomainNotFound(message: string): boolean {
  return /failed to get domain|Domain not found/i.test(message);
}

/**
 * The `Job type:` of `virsh domjobinfo`: `None` when libvirt runs no job on the domain. A snapshot
 * cut is one of libvirt's jobs (it holds the domain's job until QEMU has answered), so while one
 * runs, an overlay it may switch the guest onto is not frost's to remove.
 */
export function parseJobType(output: string): string | undefined {
  return /^Job type:\s*(\S+)/m.exec(output)?.[1];
}

/** How long libvirt gets to report the domain's jobs. */
const JOB_INFO_TIMEOUT_MS = 10_000;

/** See Hypervisor.settleOverlays. Only local files reach here: frost prepares overlays on local hosts only. */
export async function settleOverlays(virsh: Virsh, domain: string, snapshot: string, files: readonly string[]): Promise<OverlaySettlement> {
  const odd = files.find((f) => !f.startsWith("/"));
  if (odd !== undefined) throw new HypervisorError(`refusing to settle ${JSON.stringify(odd)}: not an absolute path`, "unlink", domain);
  // While a cut waits on a QEMU that does not answer, libvirt's job report waits too.
  const job = await virsh.exec(["domjobinfo", "--domain", domain], JOB_INFO_TIMEOUT_MS);
  if (job.timedOut)
    return { status: "busy", why: `libvirt did not say within ${JOB_INFO_TIMEOUT_MS / 1000} s whether a job still runs on ${domain}` };
  const gone = job.code !== 0 && isDomainNotFound(virshError(job));
  if (job.code !== 0 && !gone) throw new HypervisorError(virshError(job), "domjobinfo", domain);
  if (!gone) {
    const type = parseJobType(job.stdout);
    if (type === undefined) throw new HypervisorError(`virsh domjobinfo did not say the job type of ${domain}`, "domjobinfo", domain);
    if (type !== "None") return { status: "busy", why: `libvirt is still running a job on ${domain} (${type})` };
    const info = await virsh.exec(["snapshot-info", "--domain", domain, "--snapshotname", snapshot]);
    if (info.code === 0) return { status: "snapshot" };
    if (!isSnapshotNotFound(virshError(info))) throw new HypervisorError(virshError(info), "snapshot-info", domain);
    for (const inactive of [false, true]) {
      const xml = await virsh.exec(["dumpxml", "--domain", domain, ...(inactive ? ["--inactive"] : [])]);
      if (xml.code !== 0) throw new HypervisorError(virshError(xml), "dumpxml", domain);
      const used = parseDomainDisks(xml.stdout).find((d) => d.file !== undefined && files.includes(d.file));
      if (used) return { status: "in-use", why: `the ${inactive ? "persistent" : "running"} domain's disk ${used.target} is ${used.file}` };
    }
  }
  for (const file of files) {
    try {
      await unlink(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT")
        throw new HypervisorError(`cannot remove ${file}: ${(e as Error).message}`, "unlink", domain);
    }
  }
  return { status: "removed" };
}
