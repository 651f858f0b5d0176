import { describe, expect, it } from "vitest";
import { RpcConnection } from "../../../reconcile/providers/libvirt/rpc/connection.js";
import { domainState, requireDomain } from "../../../reconcile/providers/libvirt/rpc/domains.js";
import { CallTimeoutError, ConnectionLostError, LibvirtError } from "../../../reconcile/providers/libvirt/rpc/errors.js";
import { subscribeDomainEvents, type DomainEvent } from "../../../reconcile/providers/libvirt/rpc/events.js";
import { encodePacket, type Packet } from "../../../reconcile/providers/libvirt/rpc/packet.js";
import {
  AUTH_LIST,
  CONNECT_OPEN,
  CONNECT_SUPPORTS_FEATURE,
  DOMAIN_GET_STATE,
  STORAGE_VOL_UPLOAD,
} from "../../../reconcile/providers/libvirt/rpc/procedures.js";
import { sendStream } from "../../../reconcile/providers/libvirt/rpc/stream.js";
import { ScriptedTransport, capturedPackets, type CaptureName } from "./captures.js";

const DOM = { name: "web", uuid: new Uint8Array(16), id: 3 };

/** libvirtd's side, replayed: each call is answered with the captured reply to the same procedure (its serial rewritten). */
function replay(transport: ScriptedTransport, capture: CaptureName): void {
  const c2s = capturedPackets(capture, "c2s");
  const s2c = capturedPackets(capture, "s2c");
  const used = new Set<number>();
  transport.whenSent((p) => {
    if (p.header.type !== "call") return;
    const asked = c2s.findIndex(
      (c, i) => !used.has(i) && c.header.procedure === p.header.procedure && c.header.program === p.header.program,
    );
    if (asked < 0) return;
    used.add(asked);
    const serial = c2s[asked]?.header.serial;
    const reply = s2c.find((r) => r.header.type === "reply" && r.header.serial === serial);
    if (reply) queueMicrotask(() => transport.receive(encodePacket({ ...reply.header, serial: p.header.serial }, reply.payload)));
  });
}

function reply(transport: ScriptedTransport, to: Packet, payload: Uint8Array, status: "ok" | "error" = "ok"): void {
  transport.receive(encodePacket({ ...to.header, type: "reply", status }, payload));
}

describe("RpcConnection", () => {
  it("opens as virsh does, byte for byte, and carries a lookup and a state call", async () => {
    const transport = new ScriptedTransport();
    replay(transport, "open-domstate");
    const c = new RpcConnection(transport, "qemu:///system");
    expect(await c.call(AUTH_LIST, undefined)).toEqual({ types: [0] });
    expect(await c.call(CONNECT_SUPPORTS_FEATURE, { feature: 10 })).toEqual({ supported: 1 });
    await c.call(CONNECT_OPEN, { name: "qemu:///system", flags: 0 });
    const virsh = capturedPackets("open-domstate", "c2s");
    expect(transport.written.slice(0, 3)).toEqual(virsh.slice(0, 3).map((p) => p.bytes));
    const dom = await requireDomain(c, "t-rpc-cap 'q' é");
    expect(await domainState(c, dom)).toEqual({ state: "shutoff", reason: 0 });
  });

  it("matches concurrent replies to their calls by serial, in whatever order they come", async () => {
    const transport = new ScriptedTransport();
    const c = new RpcConnection(transport, "qemu:///system");
    const calls = [0, 1, 2].map(() => c.call(DOMAIN_GET_STATE, { dom: DOM, flags: 0 }));
    expect(transport.sent.map((p) => p.header.serial)).toEqual([0, 1, 2]);
    for (const [p, state] of [
      [transport.sent[2], 3],
      [transport.sent[0], 1],
      [transport.sent[1], 5],
    ] as const) {
      reply(transport, p as Packet, DOMAIN_GET_STATE.ret.encode({ state, reason: 0 }));
    }
    expect((await Promise.all(calls)).map((r) => r.state)).toEqual([1, 5, 3]);
  });

  it("gives a call its deadline, drops the late answer, and goes on serving other calls", async () => {
    const transport = new ScriptedTransport();
    const c = new RpcConnection(transport, "qemu:///system");
    const slow = c.call(DOMAIN_GET_STATE, { dom: DOM, flags: 0 }, { timeoutMs: 50 });
    await expect(slow).rejects.toThrow(CallTimeoutError);
    await expect(slow).rejects.toThrow("libvirt did not answer virDomainGetState within 50 ms");
    reply(transport, transport.sent[0] as Packet, DOMAIN_GET_STATE.ret.encode({ state: 1, reason: 0 }));
    const next = c.call(DOMAIN_GET_STATE, { dom: DOM, flags: 0 });
    reply(transport, transport.sent[1] as Packet, DOMAIN_GET_STATE.ret.encode({ state: 3, reason: 1 }));
    expect(await next).toEqual({ state: 3, reason: 1 });
    expect(c.closed).toBe(false);
  });

  it("rejects a call libvirt refused with libvirt's error", async () => {
    const transport = new ScriptedTransport();
    const c = new RpcConnection(transport, "qemu:///system");
    const call = c.call(DOMAIN_GET_STATE, { dom: DOM, flags: 0 });
    const error = capturedPackets("error-reply", "s2c").find((p) => p.header.status === "error");
    reply(transport, transport.sent[0] as Packet, error?.payload ?? new Uint8Array(), "error");
    await expect(call).rejects.toThrow(LibvirtError);
    await expect(call).rejects.toThrow("Domain snapshot not found: no domain snapshot with matching name 'nosuch'");
  });

  it("fails every pending call when the transport ends, saying which connection and why, and every call after", async () => {
    const transport = new ScriptedTransport();
    const c = new RpcConnection(transport, "qemu:///system");
    const pending = [c.call(DOMAIN_GET_STATE, { dom: DOM, flags: 0 }), c.call(CONNECT_OPEN, { name: "qemu:///system", flags: 0 })];
    transport.end("the other end closed the connection");
    for (const p of pending) await expect(p).rejects.toThrow(ConnectionLostError);
    await expect(pending[0]).rejects.toThrow(
      "virDomainGetState got no answer: the libvirt connection to qemu:///system (scripted transport) was lost: the other end closed the connection",
    );
    await expect(c.call(AUTH_LIST, undefined)).rejects.toThrow(/authList got no answer: .* was lost/);
    expect(c.closed).toBe(true);
  });

  it("answers libvirt's keepalive PING with a PONG, and pings as virsh does", async () => {
    const transport = new ScriptedTransport();
    new RpcConnection(transport, "qemu:///system");
    const s2c = capturedPackets("events-keepalive", "s2c");
    const c2s = capturedPackets("events-keepalive", "c2s");
    const virshPing = c2s.find((p) => p.header.program === 0x6b656570);
    const serverPong = s2c.find((p) => p.header.program === 0x6b656570);
    // A PING from libvirtd is the bytes of virsh's PING; frost answers with the bytes of libvirtd's PONG.
    transport.receive(virshPing?.bytes ?? Buffer.alloc(0));
    expect(transport.written).toEqual([serverPong?.bytes]);
  });

  it("declares the connection dead after unanswered keepalive pings, failing what is pending", async () => {
    const transport = new ScriptedTransport();
    const c = new RpcConnection(transport, "qemu:///system");
    const pending = c.call(DOMAIN_GET_STATE, { dom: DOM, flags: 0 }, { timeoutMs: 5_000 });
    c.startKeepalive({ intervalMs: 40, count: 2 });
    await expect(pending).rejects.toThrow(/was lost: no answer to 2 keepalive pings/);
    const pings = transport.sent.filter((p) => p.header.program === 0x6b656570 && p.header.procedure === 1);
    expect(pings.length).toBe(2);
    expect(transport.closed).toBe("closed by frost");
  });

  it("delivers events that arrive in the same read as their registration's reply", async () => {
    const transport = new ScriptedTransport();
    const c = new RpcConnection(transport, "qemu:///system");
    const s2c = capturedPackets("events-keepalive", "s2c");
    const events = s2c.filter((p) => p.header.procedure === 318);
    const registerReply = s2c.find((p) => p.header.procedure === 316);
    transport.whenSent((p) => {
      queueMicrotask(() => {
        if (p.header.procedure === 60) reply(transport, p, CONNECT_SUPPORTS_FEATURE.ret.encode({ supported: 1 }));
        if (p.header.procedure === 316) {
          transport.receive(
            Buffer.concat([
              encodePacket({ ...(registerReply as Packet).header, serial: p.header.serial }, registerReply?.payload),
              ...events.map((e) => e.bytes),
            ]),
          );
        }
      });
    });
    const seen: DomainEvent[] = [];
    await subscribeDomainEvents(c, (e) => seen.push(e), { kinds: ["lifecycle"] });
    expect(seen.map((e) => [e.domain, e.kind === "lifecycle" ? e.event : ""])).toEqual([
      ["t-rpc-cap2", "defined"],
      ["t-rpc-cap2", "undefined"],
    ]);
  });

  it("streams an upload as virsh does: the call, the data, the end, then waits for libvirt's confirmation", async () => {
    const transport = new ScriptedTransport();
    const c = new RpcConnection(transport, "qemu:///system");
    const c2s = capturedPackets("vol-upload", "c2s");
    const call = c2s.find((p) => p.header.procedure === 208 && p.header.type === "call") as Packet;
    const args = STORAGE_VOL_UPLOAD.args.decode(call.payload);
    let confirmed = false;
    transport.whenSent((p) => {
      queueMicrotask(() => {
        if (p.header.type === "call") reply(transport, p, new Uint8Array());
        if (p.header.type === "stream" && p.header.status === "ok") {
          confirmed = true;
          transport.receive(encodePacket({ ...p.header, status: "ok" }));
        }
      });
    });
    async function* source() {
      yield Buffer.from("hello, ");
      yield Buffer.from("libvirt\n");
    }
    await sendStream(c, STORAGE_VOL_UPLOAD, args, source(), 5_000);
    expect(confirmed).toBe(true);
    const virsh = c2s.filter((p) => p.header.procedure === 208);
    const serial = call.header.serial;
    const ours = transport.sent.map((p) => ({ ...p.header, serial }));
    // The call and the end are virsh's packets; the data is the same bytes, in the chunks the source gave.
    expect(ours.map((h) => [h.type, h.status])).toEqual([
      ["call", "ok"],
      ["stream", "continue"],
      ["stream", "continue"],
      ["stream", "ok"],
    ]);
    expect(encodePacket(ours[0] as Packet["header"], transport.sent[0]?.payload)).toEqual(virsh[0]?.bytes);
    expect(encodePacket(ours[3] as Packet["header"], transport.sent[3]?.payload)).toEqual(virsh[2]?.bytes);
    expect(Buffer.concat(transport.sent.slice(1, 3).map((p) => p.payload)).toString()).toBe(
      Buffer.from(virsh[1]?.payload ?? []).toString(),
    );
  });

  it("stops an upload libvirt refuses mid-way, with libvirt's error", async () => {
    const transport = new ScriptedTransport();
    const c = new RpcConnection(transport, "qemu:///system");
    const error = capturedPackets("error-reply", "s2c").find((p) => p.header.status === "error");
    transport.whenSent((p) => {
      queueMicrotask(() => {
        if (p.header.type === "call") reply(transport, p, new Uint8Array());
        if (p.header.type === "stream" && p.header.status === "continue" && p.payload[0] === 0x31) {
          transport.receive(encodePacket({ ...p.header, status: "error" }, error?.payload));
        }
      });
    });
    async function* source() {
      yield Buffer.from("1");
      await new Promise((r) => setTimeout(r, 20));
      yield Buffer.from("2");
    }
    const vol = { pool: "p", name: "v", key: "/p/v" };
    await expect(sendStream(c, STORAGE_VOL_UPLOAD, { vol, offset: 0n, length: 0n, flags: 0 }, source(), 5_000)).rejects.toThrow(
      "Domain snapshot not found: no domain snapshot with matching name 'nosuch'",
    );
    expect(transport.sent.filter((p) => p.header.type === "stream").map((p) => Buffer.from(p.payload).toString())).toEqual(["1"]);
  });
});
