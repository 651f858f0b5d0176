import { describe, expect, it } from "vitest";
import { commandLine, MarkerProtocol, quoteArgument } from "../../../reconcile/providers/libvirt/driver/session-protocol.js";

// What an interactive `virsh -c qemu:///system` (libvirt 9.0, not quiet, TERM=dumb) printed for
// a connect round trip, a freeze, a second freeze, a line it could not parse and a thaw, sent with
// the token "t" exactly as MarkerProtocol.request writes them.
const STDOUT =
  "Welcome to virsh, the virtualization interactive terminal.\n\nType:  'help' for help with commands\n       'quit' to quit\n\n" +
  "virsh # echo --err @@frost-t-s''0@@; echo @@frost-t-s''0@@\n\n@@frost-t-s0@@\n" +
  "virsh # echo @@frost-t-b''1@@; domfsfreeze 't-vx1'; echo @@frost-t-e''1@@\n@@frost-t-b1@@\nFroze 2 filesystem(s)\n\n@@frost-t-e1@@\n" +
  "virsh # echo --err @@frost-t-s''1@@; echo @@frost-t-s''1@@\n\n@@frost-t-s1@@\n" +
  "virsh # echo @@frost-t-b''2@@; domfsfreeze 't-vx1'; echo @@frost-t-e''2@@\n@@frost-t-b2@@\n\n@@frost-t-e2@@\n" +
  "virsh # echo --err @@frost-t-s''2@@; echo @@frost-t-s''2@@\n\n@@frost-t-s2@@\n" +
  "virsh # echo @@frost-t-b''3@@; domfsthaw --bogus; echo @@frost-t-e''3@@\n" +
  "virsh # echo --err @@frost-t-s''3@@; echo @@frost-t-s''3@@\n\n@@frost-t-s3@@\n" +
  "virsh # echo @@frost-t-b''4@@; domfsthaw 't-vx1'; echo @@frost-t-e''4@@\n@@frost-t-b4@@\nThawed 2 filesystem(s)\n\n@@frost-t-e4@@\n" +
  "virsh # echo --err @@frost-t-s''4@@; echo @@frost-t-s''4@@\n\n@@frost-t-s4@@\nvirsh # \n";
const STDERR =
  "error: @@frost-t-s0@@\nerror: @@frost-t-s1@@\nerror: Unable to freeze filesystems\n" +
  "error: internal error: unable to execute QEMU agent command 'guest-fsfreeze-freeze': Command guest-fsfreeze-freeze has been disabled: the agent is in frozen state\n" +
  "error: @@frost-t-s2@@\nerror: command 'domfsthaw' doesn't support option --bogus\nerror: @@frost-t-s3@@\nerror: @@frost-t-s4@@\n";

describe("the virsh session line protocol", () => {
  it("quotes every argument and refuses what single quotes cannot carry", () => {
    expect(commandLine(["domfsfreeze", "--domain", "odd; name #x"])).toBe("domfsfreeze '--domain' 'odd; name #x'");
    expect(commandLine(["qemu-agent-command", "--domain", "d", '{"execute":"guest-ping"}'])).toBe(
      `qemu-agent-command '--domain' 'd' '{"execute":"guest-ping"}'`,
    );
    expect(() => quoteArgument("a'b")).toThrow(/contains a quote or a line break/);
    expect(() => quoteArgument("a\nlist")).toThrow(/contains a quote or a line break/);
    expect(() => commandLine(["list; destroy x"])).toThrow(/not a virsh command name/);
  });

  it("writes markers that virsh joins, so that its echo of the typed line never contains them", () => {
    const p = new MarkerProtocol("t");
    const request = p.request(1, "domfsfreeze 't-vx1'");
    expect(request).toBe(
      "echo @@frost-t-b''1@@; domfsfreeze 't-vx1'; echo @@frost-t-e''1@@\necho --err @@frost-t-s''1@@; echo @@frost-t-s''1@@\n",
    );
    for (const kind of ["b", "e", "s"] as const) expect(request).not.toContain(p.marker(kind, 1));
    expect(p.request(0)).toBe("echo --err @@frost-t-s''0@@; echo @@frost-t-s''0@@\n");
  });

  it("cuts virsh's real output into one reply per call, errors attributed to their call", () => {
    const p = new MarkerProtocol("t");
    let out = STDOUT;
    let err = STDERR;
    const replies = [0, 1, 2, 3, 4].map((n) => {
      const taken = p.take(n, out, err);
      if (!taken) throw new Error(`call ${n} incomplete`);
      out = taken.restStdout;
      err = taken.restStderr;
      return taken.reply;
    });
    expect(replies[0]).toEqual({ stdout: "", errors: [], ran: false });
    expect(replies[1]).toEqual({ stdout: "Froze 2 filesystem(s)\n", errors: [], ran: true });
    expect(replies[2]).toEqual({
      stdout: "",
      errors: [
        "Unable to freeze filesystems",
        "internal error: unable to execute QEMU agent command 'guest-fsfreeze-freeze': Command guest-fsfreeze-freeze has been disabled: the agent is in frozen state",
      ],
      ran: true,
    });
    expect(replies[3]).toEqual({ stdout: "", errors: ["command 'domfsthaw' doesn't support option --bogus"], ran: false });
    expect(replies[4]).toEqual({ stdout: "Thawed 2 filesystem(s)\n", errors: [], ran: true });
    expect(err).toBe("");
  });

  it("waits until both streams have shown the end marker", () => {
    const p = new MarkerProtocol("t");
    const first = p.take(0, STDOUT, STDERR);
    const out = first?.restStdout ?? "";
    const err = first?.restStderr ?? "";
    expect(p.take(1, out.slice(0, out.indexOf("@@frost-t-s1@@") + 5), err)).toBeUndefined();
    expect(p.take(1, out, "")).toBeUndefined();
    expect(p.take(1, out, err)?.reply.stdout).toBe("Froze 2 filesystem(s)\n");
  });
});
