import { describe, expect, it } from "vitest";
import { ConnectError } from "../../../reconcile/providers/libvirt/rpc/errors.js";
import { openConnection, openOver } from "../../../reconcile/providers/libvirt/rpc/open.js";
import { encodePacket, type Packet } from "../../../reconcile/providers/libvirt/rpc/packet.js";
import { AUTH_LIST, CONNECT_SUPPORTS_FEATURE } from "../../../reconcile/providers/libvirt/rpc/procedures.js";
import { ScriptedTransport, capturedPackets } from "./captures.js";

/** A daemon that answers the auth list with `types`, and everything else as the lab's libvirtd did. */
function daemon(types: number[]): ScriptedTransport {
  const transport = new ScriptedTransport();
  const s2c = capturedPackets("open-domstate", "s2c");
  transport.whenSent((p: Packet) => {
    if (p.header.type !== "call") return;
    const payload =
      p.header.procedure === 66
        ? AUTH_LIST.ret.encode({ types })
        : p.header.procedure === 60
          ? CONNECT_SUPPORTS_FEATURE.ret.encode({ supported: 1 })
          : (s2c.find((r) => r.header.procedure === p.header.procedure)?.payload ?? new Uint8Array());
    queueMicrotask(() => transport.receive(encodePacket({ ...p.header, type: "reply" }, payload)));
  });
  return transport;
}

describe("opening a libvirt connection", () => {
  it("opens where the daemon lets this client in without authentication, as virsh does", async () => {
    const transport = daemon([0]);
    const c = await openOver(transport, "qemu:///system", "qemu:///system");
    expect(c.closed).toBe(false);
    expect(transport.sent.map((p) => p.header.procedure)).toEqual([66, 60, 1]);
  });

  it.each([
    [[2], "polkit"],
    [[1], "SASL"],
    [[1, 2], "SASL, polkit"],
  ])(
    "refuses a daemon that asks for %j authentication, saying which and what to change, and closes the transport",
    async (types, named) => {
      const transport = daemon(types);
      const error = await openOver(transport, "qemu:///system", "qemu:///system").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as Error).message).toBe(
        `libvirt at qemu:///system asks for ${named} authentication, which frost does not do: connect as root on the host ` +
          `(or over qemu+ssh:// as a user the daemon's socket lets in), or set the daemon's auth_unix_rw to "none"`,
      );
      expect(transport.sent.map((p) => p.header.procedure)).toEqual([66]);
      expect(transport.closed).toBe("closed by frost");
    },
  );

  it("gives up at the connect deadline when the daemon never answers", async () => {
    const error = await openOver(new ScriptedTransport(), "qemu:///system", "qemu:///system", { connectTimeoutMs: 60 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as Error).message).toBe("could not open a libvirt connection to qemu:///system within 60 ms");
  });

  it("says which socket is missing when no daemon listens", async () => {
    const error = await openConnection("qemu:///session", { env: { XDG_RUNTIME_DIR: "/nonexistent/frost-test" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as Error).message).toBe(
      "no libvirt daemon socket at /nonexistent/frost-test/libvirt/libvirt-sock: is libvirtd (or virtqemud) running on this host?",
    );
  });
});
