import { describe, expect, it } from "vitest";
import { batchScript, chunkLines, runBatch, splitBatchOutput } from "../../../reconcile/providers/libvirt/driver/virsh-batch.js";
import { Virsh } from "../../../reconcile/providers/libvirt/driver/virsh.js";
import type { CommandRunner, RunResult } from "../../../reconcile/process/run.js";

const XPATH = `/domain/devices/controller[@type="virtio-serial"] | /domain/devices/channel`;

// What `virsh -q -c qemu:///system SCRIPT` (libvirt 9.0) printed for this script, token "t": a live
// dumpxml reduced by --xpath, an empty snapshot list, a domain that does not exist, a snapshot that
// does not exist, and a dumpxml that selected nothing. It exited 0.
const SCRIPT =
  `echo @@frost-t-0@@; echo --err @@frost-t-0@@; dumpxml '--domain' 't-bench-run1' '--xpath' '${XPATH}'; ` +
  `echo @@frost-t-1@@; echo --err @@frost-t-1@@; snapshot-list '--domain' 't-bench-000' '--name' '--topological'; ` +
  `echo @@frost-t-2@@; echo --err @@frost-t-2@@; dumpxml '--domain' 't-nosuch' '--inactive' '--xpath' '${XPATH}'; ` +
  `echo @@frost-t-3@@; echo --err @@frost-t-3@@; snapshot-dumpxml '--domain' 't-bench-000' '--snapshotname' 'x-20260101T0000Z'; ` +
  `echo @@frost-t-4@@; echo --err @@frost-t-4@@; dumpxml '--domain' 'demo-off' '--inactive' '--xpath' '${XPATH}'; ` +
  `echo @@frost-t-end@@; echo --err @@frost-t-end@@`;
const COMMANDS = [
  ["dumpxml", "--domain", "t-bench-run1", "--xpath", XPATH],
  ["snapshot-list", "--domain", "t-bench-000", "--name", "--topological"],
  ["dumpxml", "--domain", "t-nosuch", "--inactive", "--xpath", XPATH],
  ["snapshot-dumpxml", "--domain", "t-bench-000", "--snapshotname", "x-20260101T0000Z"],
  ["dumpxml", "--domain", "demo-off", "--inactive", "--xpath", XPATH],
];
const LIVE =
  '<controller type="virtio-serial" index="0">\n  <alias name="virtio-serial0"/>\n  <address type="pci" domain="0x0000" bus="0x01" slot="0x00" function="0x0"/>\n</controller>\n' +
  '<channel type="unix">\n  <source mode="bind" path="/var/lib/libvirt/qemu/channel/target/domain-64-t-bench-run1/org.qemu.guest_agent.0"/>\n' +
  '  <target type="virtio" name="org.qemu.guest_agent.0" state="connected"/>\n  <alias name="channel0"/>\n  <address type="virtio-serial" controller="0" bus="0" port="1"/>\n</channel>\n';
const STDOUT = `@@frost-t-0@@${LIVE}@@frost-t-1@@@@frost-t-2@@@@frost-t-3@@@@frost-t-4@@@@frost-t-end@@`;
const STDERR =
  "error: @@frost-t-0@@\nerror: @@frost-t-1@@\nerror: @@frost-t-2@@\nerror: failed to get domain 't-nosuch'\nerror: @@frost-t-3@@\n" +
  "error: Domain snapshot not found: no domain snapshot with matching name 'x-20260101T0000Z'\nerror: @@frost-t-4@@\nerror: @@frost-t-end@@\n";

const REPLIES = [
  { stdout: LIVE, errors: [], failed: false },
  { stdout: "", errors: [], failed: false },
  { stdout: "", errors: ["failed to get domain 't-nosuch'"], failed: true },
  { stdout: "", errors: ["Domain snapshot not found: no domain snapshot with matching name 'x-20260101T0000Z'"], failed: true },
  { stdout: "", errors: [], failed: false },
];

/** A runner that answers each virsh process with `answer(args)` and records the argument arrays. */
function runner(answer: (args: readonly string[]) => Partial<RunResult>) {
  const calls: (readonly string[])[] = [];
  const r: CommandRunner = {
    async run(_program, args) {
      calls.push(args);
      return { code: 0, stdout: "", stderr: "", timedOut: false, elapsedMs: 1, ...answer(args) };
    },
  };
  return { runner: r, calls };
}

/** The token of the batch script a runner received (random per process). */
function tokenOf(script: string): string {
  return /@@frost-([a-z0-9]+)-0@@/.exec(script)?.[1] ?? "";
}

describe("batched virsh commands", () => {
  it("writes each command after its marker on both streams, every argument quoted, and an end marker", () => {
    expect(
      batchScript(
        "t",
        COMMANDS.map(
          (c) =>
            `${c[0]} ${c
              .slice(1)
              .map((a) => `'${a}'`)
              .join(" ")}`,
        ),
      ),
    ).toBe(SCRIPT);
  });

  it("splits what virsh printed into one reply per command, its errors on the side", () => {
    expect(splitBatchOutput("t", 5, STDOUT, STDERR)).toEqual(REPLIES);
  });

  it("sees a batch that did not run to its end", () => {
    expect(splitBatchOutput("t", 5, STDOUT.replace("@@frost-t-end@@", ""), STDERR)).toBeUndefined();
    expect(splitBatchOutput("t", 5, "", "error: command 'dumpxml' doesn't support option --bogus\n")).toBeUndefined();
  });

  it("runs the commands in one virsh process and returns the replies in order", async () => {
    const { runner: r, calls } = runner((args) => {
      const token = tokenOf(args[3] ?? "");
      return { stdout: STDOUT.replaceAll("@@frost-t-", `@@frost-${token}-`), stderr: STDERR.replaceAll("@@frost-t-", `@@frost-${token}-`) };
    });
    expect(await runBatch(new Virsh("qemu:///system", r), COMMANDS)).toEqual(REPLIES);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.slice(0, 3)).toEqual(["-q", "-c", "qemu:///system"]);
    expect(calls[0]?.[3]).toBe(SCRIPT.replaceAll("@@frost-t-", `@@frost-${tokenOf(calls[0]?.[3] ?? "")}-`));
  });

  it("fails the whole batch with virsh's words when it could not run it", async () => {
    const { runner: r } = runner(() => ({
      code: 1,
      stderr:
        "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory\n",
    }));
    await expect(runBatch(new Virsh("qemu:///system", r), COMMANDS)).rejects.toMatchObject({
      name: "HypervisorError",
      message:
        "failed to connect to the hypervisor: Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory",
    });
  });

  it("fails at the deadline", async () => {
    const { runner: r } = runner(() => ({ code: null, timedOut: true }));
    await expect(runBatch(new Virsh("qemu:///system", r), COMMANDS, { timeoutMs: 2_000 })).rejects.toThrow(
      "5 batched virsh command(s) did not finish within 2 s",
    );
  });

  it("runs a command whose argument holds a quote or a line break in a process of its own, its arguments an array", async () => {
    const quoted = "bob's-20261124T0200Z";
    const broken = "x'; destroy y; echo '\nz";
    const { runner: r, calls } = runner((args) => {
      if (args.length > 4) {
        const name = args[args.length - 1];
        return name === quoted
          ? { stdout: `<domainsnapshot><name>${name}</name></domainsnapshot>\n` }
          : { code: 1, stderr: `error: Domain snapshot not found: no domain snapshot with matching name '${name}'\n` };
      }
      const token = tokenOf(args[3] ?? "");
      return {
        stdout: `@@frost-${token}-0@@one@@frost-${token}-end@@`,
        stderr: `error: @@frost-${token}-0@@\nerror: @@frost-${token}-end@@\n`,
      };
    });
    const replies = await runBatch(new Virsh("qemu:///system", r), [
      ["snapshot-dumpxml", "--domain", "d", "--snapshotname", quoted],
      ["snapshot-list", "--domain", "d", "--name"],
      ["snapshot-dumpxml", "--domain", "d", "--snapshotname", broken],
    ]);
    expect(replies).toEqual([
      { stdout: `<domainsnapshot><name>${quoted}</name></domainsnapshot>\n`, errors: [], failed: false },
      { stdout: "one", errors: [], failed: false },
      {
        stdout: "",
        errors: ["Domain snapshot not found: no domain snapshot with matching name 'x'; destroy y; echo '", "z'"],
        failed: true,
      },
    ]);
    expect(calls).toContainEqual(["-q", "-c", "qemu:///system", "snapshot-dumpxml", "--domain", "d", "--snapshotname", quoted]);
    expect(calls).toContainEqual(["-q", "-c", "qemu:///system", "snapshot-dumpxml", "--domain", "d", "--snapshotname", broken]);
    const batches = calls.filter((c) => c.length === 4);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.[3]).not.toContain("bob");
    expect(batches[0]?.[3]).not.toContain("destroy");
  });

  it("reports a command run alone that passes the deadline as its own failure", async () => {
    const { runner: r } = runner(() => ({ code: null, timedOut: true }));
    expect(
      await runBatch(new Virsh("qemu:///system", r), [["snapshot-dumpxml", "--domain", "d", "--snapshotname", "it's"]], {
        timeoutMs: 2_000,
      }),
    ).toEqual([{ stdout: "", errors: ["virsh snapshot-dumpxml did not finish within 2 s"], failed: true }]);
  });

  it("spreads a long list over processes under the argument size limit, and a large one over `spread` processes", () => {
    const lines = Array.from({ length: 10 }, (_, i) => `dumpxml '--domain' 'd${i}'`);
    expect(chunkLines(lines, 1_000_000)).toEqual([lines]);
    expect(chunkLines(lines, 1_000_000, 2)).toEqual([lines.slice(0, 5), lines.slice(5)]);
    const small = chunkLines(lines, 250);
    expect(small.flat()).toEqual(lines);
    for (const chunk of small) expect(chunk.reduce((n, l) => n + l.length + 80, 0)).toBeLessThanOrEqual(250);
  });

  it("runs 100 commands or more in two processes, fewer in one", async () => {
    const echo = (args: readonly string[]) => {
      const script = args[3] ?? "";
      const token = tokenOf(script);
      const count = script.split("; echo --err ").length - 1;
      const markers = Array.from({ length: count - 1 }, (_, n) => `@@frost-${token}-${n}@@`).concat(`@@frost-${token}-end@@`);
      return { stdout: markers.join(""), stderr: markers.map((m) => `error: ${m}\n`).join("") };
    };
    const many = runner(echo);
    const commands = Array.from({ length: 100 }, (_, i) => ["snapshot-list", "--domain", `d${i}`, "--name"]);
    expect(await runBatch(new Virsh("qemu:///system", many.runner), commands)).toHaveLength(100);
    expect(many.calls).toHaveLength(2);
    const few = runner(echo);
    expect(await runBatch(new Virsh("qemu:///system", few.runner), commands.slice(0, 99))).toHaveLength(99);
    expect(few.calls).toHaveLength(1);
  });
});
