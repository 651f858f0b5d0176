import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listDomains } from "../../reconcile/providers/libvirt/rpc/domains.js";
import { ConnectError, LibvirtError } from "../../reconcile/providers/libvirt/rpc/errors.js";
import { openConnection } from "../../reconcile/providers/libvirt/rpc/open.js";
import * as snapshots from "../../reconcile/providers/libvirt/rpc/snapshots.js";
import { requireDomain } from "../../reconcile/providers/libvirt/rpc/domains.js";

// qemu+ssh:// for real: an sshd of the test's own on 127.0.0.1 (a throwaway host key and client
// key), the user's ssh reading a configuration (known_hosts, identity) the test wrote, and on the
// far side libvirt's own ways in: virt-ssh-helper, and `nc -U` on the daemon's socket.
const run = promisify(execFile);

let dir: string;
let sshd: ChildProcess;
let port: number;
/** Stands in for the user's `ssh`: the real one, reading the test's configuration instead of ~/.ssh/config. */
let sshProgram: string;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "frost-rpc-ssh-"));
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "host_key")]);
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "client_key")]);
  await writeFile(join(dir, "authorized_keys"), await readFile(join(dir, "client_key.pub")));
  port = await freePort();
  await writeFile(
    join(dir, "sshd_config"),
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${join(dir, "host_key")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "",
    ].join("\n"),
  );
  const hostKey = (await readFile(join(dir, "host_key.pub"), "utf8")).trim().split(" ").slice(0, 2).join(" ");
  await writeFile(join(dir, "known_hosts"), `[127.0.0.1]:${port} ${hostKey}\n`);
  await writeFile(
    join(dir, "ssh_config"),
    [
      "Host *",
      `  UserKnownHostsFile ${join(dir, "known_hosts")}`,
      "  GlobalKnownHostsFile /dev/null",
      "  StrictHostKeyChecking yes",
      `  IdentityFile ${join(dir, "client_key")}`,
      "  IdentitiesOnly yes",
      "  BatchMode yes",
      "",
    ].join("\n"),
  );
  sshProgram = join(dir, "ssh");
  await writeFile(sshProgram, `#!/bin/sh\nexec ssh -F '${join(dir, "ssh_config")}' "$@"\n`);
  await chmod(sshProgram, 0o755);
  await mkdir("/run/sshd", { recursive: true });
  sshd = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", join(dir, "sshd_config")], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  sshd.stderr?.on("data", (b: Buffer) => (log += b.toString()));
  for (let i = 0; i < 100; i++) {
    if (log.includes("Server listening")) return;
    if (sshd.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not start: ${log}`);
});

afterAll(async () => {
  if (sshd?.pid !== undefined && sshd.exitCode === null) sshd.kill("SIGTERM");
  await rm(dir, { recursive: true, force: true });
});

describe("libvirt RPC client over ssh", () => {
  const local = async () =>
    (await run("virsh", ["-c", "qemu:///system", "list", "--all", "--name"])).stdout
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .sort();

  it.each(["auto", "native", "netcat"])(
    "opens qemu+ssh://root@127.0.0.1:PORT/system (proxy=%s) and lists the domains virsh lists locally",
    async (proxy) => {
      const c = await openConnection(`qemu+ssh://root@127.0.0.1:${port}/system?proxy=${proxy}`, { sshProgram });
      try {
        expect(c.transportDescription).toBe(`ssh root@127.0.0.1:${port}`);
        expect((await listDomains(c)).map((d) => d.name).sort()).toEqual(await local());
        // libvirt's errors come through the pipe in libvirt's words.
        const dom = await requireDomain(c, (await local())[0] as string);
        await expect(snapshots.snapshotXml(c, dom, "no such snapshot")).rejects.toThrow(LibvirtError);
        await expect(snapshots.snapshotXml(c, dom, "no such snapshot")).rejects.toThrow(
          "no domain snapshot with matching name 'no such snapshot'",
        );
      } finally {
        await c.close();
      }
    },
  );

  it("says what ssh said when it cannot get in: an unknown host key", async () => {
    await writeFile(join(dir, "known_hosts"), "");
    try {
      const error = await openConnection(`qemu+ssh://root@127.0.0.1:${port}/system`, { sshProgram }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as Error).message).toMatch(
        new RegExp(
          `^could not open a libvirt connection to qemu\\+ssh://root@127\\.0\\.0\\.1:${port}/system: ssh exited with status 255: .*Host key verification failed`,
        ),
      );
    } finally {
      const hostKey = (await readFile(join(dir, "host_key.pub"), "utf8")).trim().split(" ").slice(0, 2).join(" ");
      await writeFile(join(dir, "known_hosts"), `[127.0.0.1]:${port} ${hostKey}\n`);
    }
  });

  it("says what ssh said when nothing listens, within the connect deadline", async () => {
    const closed = await freePort();
    const started = Date.now();
    const error = await openConnection(`qemu+ssh://root@127.0.0.1:${closed}/system`, { sshProgram, connectTimeoutMs: 5_000 }).catch(
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(5_500);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as Error).message).toMatch(/ssh exited with status 255: .*Connection refused/);
  });

  it("gives up at the connect deadline when the far end never answers", async () => {
    // A listener that accepts and says nothing: ssh waits for a banner that never comes.
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    const address = silent.address();
    const silentPort = typeof address === "object" && address !== null ? address.port : 0;
    try {
      const started = Date.now();
      const error = await openConnection(`qemu+ssh://root@127.0.0.1:${silentPort}/system`, { sshProgram, connectTimeoutMs: 1_500 }).catch(
        (e: unknown) => e,
      );
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as Error).message).toMatch(new RegExp(`qemu\\+ssh://root@127\\.0\\.0\\.1:${silentPort}/system`));
    } finally {
      silent.close();
    }
  });
});
