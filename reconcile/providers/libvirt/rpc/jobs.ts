import type { RpcConnection } from "./connection.js";
import { DOMAIN_GET_JOB_INFO } from "./procedures.js";
import type { DomainRef } from "./remote-types.js";

/** `virDomainJobType` by name: `none` means no job runs on the domain. */
export type JobType = "none" | "bounded" | "unbounded" | "completed" | "failed" | "cancelled";
const JOB_TYPES: readonly JobType[] = ["none", "bounded", "unbounded", "completed", "failed", "cancelled"];

/** `virsh domjobinfo`: the domain's current job, and how long it has run. */
export async function jobInfo(c: RpcConnection, dom: DomainRef): Promise<{ type: JobType; elapsedMs: number }> {
  const r = await c.call(DOMAIN_GET_JOB_INFO, { dom });
  return { type: JOB_TYPES[r.type] ?? "none", elapsedMs: Number(r.timeElapsed) };
}
