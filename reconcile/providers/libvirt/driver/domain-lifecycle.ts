import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HypervisorError, type DomainSpec } from "../hypervisor.js";
import { buildDomainXml } from "./domain-build.js";
import type { Virsh } from "./virsh.js";

/**
 * `define` of a generated domain. libvirt's define replaces a domain of the same name and UUID, so
 * frost first makes sure there is none: it only ever defines domains it creates.
 */
export async function defineDomain(virsh: Virsh, spec: DomainSpec): Promise<void> {
  const exists = await virsh.exec(["domstate", "--domain", spec.name]);
  if (exists.code === 0) throw new HypervisorError(`operation failed: domain '${spec.name}' already exists`, "define", spec.name);
  const diskPath = (await virsh.run(["vol-path", "--pool", spec.disk.pool, "--vol", spec.disk.volume], undefined, spec.name)).trim();
  const dir = await mkdtemp(join(tmpdir(), "frost-domain-"));
  try {
    const file = join(dir, "domain.xml");
    await writeFile(file, buildDomainXml(spec, diskPath), { mode: 0o600 });
    await virsh.run(["define", "--file", file], undefined, spec.name);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `shutdown`, awaited until the domain is shut off or `graceMs` passed, then `destroy`. */
export async function stopDomain(virsh: Virsh, domain: string, graceMs: number): Promise<void> {
  if (graceMs > 0) {
    await virsh.exec(["shutdown", "--domain", domain]);
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline) {
      const state = await virsh.run(["domstate", "--domain", domain], undefined, domain);
      if (state.trim() === "shut off") return;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const r = await virsh.exec(["destroy", "--domain", domain]);
  if (r.code !== 0 && !/domain is not running/i.test(r.stderr)) throw new HypervisorError(r.stderr.trim(), "destroy", domain);
}

export async function setResources(virsh: Virsh, domain: string, resources: { memory?: number; vcpus?: number }): Promise<void> {
  if (resources.memory !== undefined) {
    const kib = String(Math.ceil(resources.memory / 1024));
    await virsh.run(["setmaxmem", "--domain", domain, "--size", kib, "--config"], undefined, domain);
    await virsh.run(["setmem", "--domain", domain, "--size", kib, "--config"], undefined, domain);
  }
  if (resources.vcpus !== undefined) {
    const n = String(resources.vcpus);
    await virsh.run(["setvcpus", "--domain", domain, "--count", n, "--config", "--maximum"], undefined, domain);
    await virsh.run(["setvcpus", "--domain", domain, "--count", n, "--config"], undefined, domain);
  }
}
