import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { SessionChild, SessionSpawner } from "../../../reconcile/process/run.js";
import { VirshSession } from "../../../reconcile/providers/libvirt/driver/virsh-session.js";

type Answer = { out?: string; err?: string } | "hang" | "exit";

/**
 * A stand-in for an interactive virsh: echoes the prompt and each line like readline, runs the
 * `;`-separated commands of a line (echo, echo --err, and anything else through `answer`), and
 * ends each command's output with the newline virsh adds when not quiet.
 */
function fakeVirsh(answer: (command: string) => Answer) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const events = new EventEmitter();
  const written: string[] = [];
  let killed: string | undefined;
  const exit = (code: number | null, signal: NodeJS.Signals | null) => setImmediate(() => events.emit("close", code, signal));
  const child: SessionChild = {
    stdin,
    stdout,
    stderr,
    kill(signal) {
      killed = signal ?? "SIGTERM";
      exit(null, signal ?? "SIGTERM");
      return true;
    },
    on(event: string, listener: (...args: never[]) => void) {
      events.on(event, listener as (...args: unknown[]) => void);
      return child;
    },
  };
  let buffer = "";
  let stopped = false;
  stdin.setEncoding("utf8");
  stdin.on("data", (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf("\n"); nl >= 0 && !stopped; nl = buffer.indexOf("\n")) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      written.push(line);
      stdout.write(`virsh # ${line}\n`);
      for (const command of line.split("; ")) {
        const echo = /^echo (--err )?(\S+)$/.exec(command);
        if (echo) {
          const text = (echo[2] as string).replaceAll("''", "");
          if (echo[1]) stderr.write(`error: ${text}\n`);
          else stdout.write(`${text}\n`);
          continue;
        }
        const a = answer(command);
        if (a === "hang") return void (stopped = true);
        if (a === "exit") {
          stderr.write("error: Disconnected from qemu:///system due to end of file\n");
          return exit(1, null);
        }
        if (a.out) stdout.write(`${a.out}\n`);
        if (a.err) stderr.write(a.err);
      }
    }
  });
  stdin.on("end", () => exit(0, null));
  const spawner: SessionSpawner = (program, args, env) => {
    expect(program).toBe("virsh");
    expect(args).toEqual(["-c", "qemu:///system"]);
    expect(env["LC_ALL"]).toBe("C");
    stdout.write("Welcome to virsh, the virtualization interactive terminal.\n\n");
    return child;
  };
  return { spawner, written, killed: () => killed };
}

const open = (spawner: SessionSpawner) => VirshSession.open("qemu:///system", "d", 1000, { spawner });

describe("a virsh session", () => {
  it("connects with a round trip, then returns each command's output", async () => {
    const v = fakeVirsh((c) => (c === "domfsfreeze '--domain' 'd'" ? { out: "Froze 2 filesystem(s)\n" } : { out: "?" }));
    const session = await open(v.spawner);
    expect(await session.run(["domfsfreeze", "--domain", "d"], "freeze", 1000)).toBe("Froze 2 filesystem(s)\n");
    expect(v.written).toHaveLength(3);
    await session.close();
    expect(session.alive).toBe(false);
  });

  it("throws virsh's error lines, joined, and stays usable", async () => {
    const v = fakeVirsh((c) =>
      c.startsWith("domfsthaw")
        ? { err: "error: Unable to thaw filesystems\nerror: argument unsupported: QEMU guest agent is not configured\n" }
        : { out: "ok" },
    );
    const session = await open(v.spawner);
    await expect(session.run(["domfsthaw", "--domain", "d"], "thaw", 1000)).rejects.toMatchObject({
      name: "HypervisorError",
      message: "Unable to thaw filesystems: argument unsupported: QEMU guest agent is not configured",
      operation: "thaw",
      domain: "d",
    });
    expect(session.alive).toBe(true);
    expect(await session.run(["uri"], "uri", 1000)).toBe("ok");
  });

  it("kills virsh at the deadline and says which step timed out", async () => {
    const v = fakeVirsh((c) => (c.startsWith("domfsfreeze") ? "hang" : { out: "" }));
    const session = await open(v.spawner);
    const started = Date.now();
    await expect(session.run(["domfsfreeze", "--domain", "d"], "freeze", 100)).rejects.toThrow(
      "freeze did not finish within 100 ms; the virsh session was killed",
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(v.killed()).toBe("SIGKILL");
    expect(session.alive).toBe(false);
    await expect(session.run(["uri"], "uri", 100)).rejects.toThrow(/session is closed/);
  });

  it("reports a virsh that exits mid-call with what it printed", async () => {
    const v = fakeVirsh(() => "exit");
    const session = await open(v.spawner);
    await expect(session.run(["snapshot-create", "--domain", "d"], "createSnapshot", 1000)).rejects.toThrow(
      "Disconnected from qemu:///system due to end of file",
    );
    expect(session.alive).toBe(false);
  });

  it("refuses an argument it cannot quote, without sending anything", async () => {
    const v = fakeVirsh(() => ({ out: "" }));
    const session = await open(v.spawner);
    const before = v.written.length;
    await expect(session.run(["snapshot-dumpxml", "--domain", "d", "--snapshotname", "x'; destroy d"], "recordMeta", 1000)).rejects.toThrow(
      /contains a quote/,
    );
    expect(v.written).toHaveLength(before);
    expect(session.alive).toBe(true);
  });
});
