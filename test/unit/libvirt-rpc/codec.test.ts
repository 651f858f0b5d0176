import { describe, expect, it } from "vitest";
import { decodeLibvirtError, LibvirtError } from "../../../reconcile/providers/libvirt/rpc/errors.js";
import { decodeEvent } from "../../../reconcile/providers/libvirt/rpc/events.js";
import { encodePacket } from "../../../reconcile/providers/libvirt/rpc/packet.js";
import {
  AUTH_LIST,
  CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
  CONNECT_OPEN,
  CONNECT_SUPPORTS_FEATURE,
  DOMAIN_GET_STATE,
  DOMAIN_LOOKUP_BY_NAME,
  DOMAIN_SNAPSHOT_GET_XML_DESC,
  QEMU_DOMAIN_AGENT_COMMAND,
  STORAGE_POOL_LOOKUP_BY_NAME,
  STORAGE_VOL_UPLOAD,
  type Procedure,
} from "../../../reconcile/providers/libvirt/rpc/procedures.js";
import { programNumber } from "../../../reconcile/providers/libvirt/rpc/programs.js";
import { capturedPackets, findPacket, type CapturedPacket } from "./captures.js";

const NAME = "t-rpc-cap 'q' é";

/** The bytes frost sends for a call of `procedure` with `args` under `serial`. */
function callBytes<A>(procedure: Procedure<A, unknown>, args: A, serial: number): Buffer {
  return encodePacket(
    { program: programNumber(procedure.program), version: 1, procedure: procedure.number, type: "call", serial, status: "ok" },
    procedure.args.encode(args),
  );
}

function callOf(packets: CapturedPacket[], procedure: number): CapturedPacket {
  return findPacket(packets, (p) => p.header.type === "call" && p.header.procedure === procedure);
}

function replyTo(packets: CapturedPacket[], call: CapturedPacket): CapturedPacket {
  return findPacket(packets, (p) => p.header.type === "reply" && p.header.serial === call.header.serial);
}

describe("libvirt procedures: frost's encoding is virsh's, byte for byte", () => {
  const c2s = capturedPackets("open-domstate", "c2s");
  const s2c = capturedPackets("open-domstate", "s2c");

  it("opens as virsh does: auth list, the keepalive feature, CONNECT_OPEN of qemu:///system", () => {
    expect(callBytes(AUTH_LIST, undefined, 0)).toEqual(c2s[0]?.bytes);
    expect(callBytes(CONNECT_SUPPORTS_FEATURE, { feature: 10 }, 1)).toEqual(c2s[1]?.bytes);
    expect(callBytes(CONNECT_OPEN, { name: "qemu:///system", flags: 0 }, 2)).toEqual(c2s[2]?.bytes);
    expect(AUTH_LIST.ret.decode(s2c[0]?.payload ?? new Uint8Array())).toEqual({ types: [0] });
    expect(CONNECT_SUPPORTS_FEATURE.ret.decode(s2c[1]?.payload ?? new Uint8Array())).toEqual({ supported: 1 });
  });

  it("sends a name with a quote, spaces and a non-ASCII letter as UTF-8, and reads it back unchanged", () => {
    const lookup = callOf(c2s, 23);
    expect(callBytes(DOMAIN_LOOKUP_BY_NAME, { name: NAME }, lookup.header.serial)).toEqual(lookup.bytes);
    const { dom } = DOMAIN_LOOKUP_BY_NAME.ret.decode(replyTo(s2c, lookup).payload);
    expect(dom.name).toBe(NAME);
    expect(dom.id).toBe(-1);
    // The state call carries the domain exactly as the lookup returned it.
    const state = callOf(c2s, 212);
    expect(callBytes(DOMAIN_GET_STATE, { dom, flags: 0 }, state.header.serial)).toEqual(state.bytes);
    expect(DOMAIN_GET_STATE.ret.decode(replyTo(s2c, state).payload)).toEqual({ state: 5, reason: 0 });
  });

  it("reads libvirt's error with its code, domain and the message virsh prints", () => {
    const packets = capturedPackets("error-reply", "c2s");
    const call = callOf(packets, 189);
    const reply = replyTo(capturedPackets("error-reply", "s2c"), call);
    expect(reply.header.status).toBe("error");
    const error = decodeLibvirtError(reply.payload, "virDomainSnapshotLookupByName");
    expect(error).toBeInstanceOf(LibvirtError);
    expect(error.message).toBe("Domain snapshot not found: no domain snapshot with matching name 'nosuch'");
    expect([error.code, error.domain, error.codeName]).toEqual([72, 10, "VIR_ERR_NO_DOMAIN_SNAPSHOT"]);
    expect(error.is("VIR_ERR_NO_DOMAIN_SNAPSHOT")).toBe(true);
  });

  it("names a snapshot by its name and its domain, each encoded as virsh encodes them", () => {
    const c2sErr = capturedPackets("error-reply", "c2s");
    const lookup = callOf(c2sErr, 23);
    const { dom } = DOMAIN_LOOKUP_BY_NAME.ret.decode(replyTo(capturedPackets("error-reply", "s2c"), lookup).payload);
    // virsh looked the snapshot up (virDomainSnapshotLookupByName: dom, name, flags); frost asks
    // for its XML with a snapshot reference (name, dom), made of the same two encodings.
    const call = Buffer.from(callOf(c2sErr, 189).payload);
    const nameBytes = 4 + 8; // "nosuch": length word, six bytes, two of padding
    const domBytes = call.subarray(0, call.length - nameBytes - 4);
    const snapName = call.subarray(call.length - nameBytes - 4, call.length - 4);
    expect(Buffer.from(DOMAIN_SNAPSHOT_GET_XML_DESC.args.encode({ snap: { name: "nosuch", dom }, flags: 0 }))).toEqual(
      Buffer.concat([snapName, domBytes, Buffer.alloc(4)]),
    );
  });

  it("encodes the upload call and reads the pool and volume references libvirt returned", () => {
    const c2sUp = capturedPackets("vol-upload", "c2s");
    const s2cUp = capturedPackets("vol-upload", "s2c");
    const poolCall = callOf(c2sUp, 84);
    expect(callBytes(STORAGE_POOL_LOOKUP_BY_NAME, { name: "t-rpc-cap" }, poolCall.header.serial)).toEqual(poolCall.bytes);
    const upload = callOf(c2sUp, 208);
    const args = STORAGE_VOL_UPLOAD.args.decode(upload.payload);
    expect(args.vol.name).toBe("t-rpc-cap.raw");
    expect(args.vol.pool).toBe("t-rpc-cap");
    expect([args.offset, args.length, args.flags]).toEqual([0n, 0n, 0]);
    expect(callBytes(STORAGE_VOL_UPLOAD, args, upload.header.serial)).toEqual(upload.bytes);
    expect(replyTo(s2cUp, upload).payload.length).toBe(0);
  });

  it("encodes the QEMU program's agent command with libvirt's timeout, and reads the agent's answer", () => {
    const c2sAgent = capturedPackets("agent-command", "c2s");
    const call = findPacket(c2sAgent, (p) => p.header.program === 0x20008087);
    const args = QEMU_DOMAIN_AGENT_COMMAND.args.decode(call.payload);
    expect([args.dom.name, args.cmd, args.timeout, args.flags]).toEqual(["t-rpc-capg", '{"execute":"guest-ping"}', 5, 0]);
    expect(callBytes(QEMU_DOMAIN_AGENT_COMMAND, args, call.header.serial)).toEqual(call.bytes);
    const reply = findPacket(capturedPackets("agent-command", "s2c"), (p) => p.header.program === 0x20008087);
    expect(QEMU_DOMAIN_AGENT_COMMAND.ret.decode(reply.payload)).toEqual({ result: '{"return":{}}' });
  });

  it("registers an event callback as virsh does and reads the lifecycle events libvirt sent", () => {
    const c2sEv = capturedPackets("events-keepalive", "c2s");
    const register = callOf(c2sEv, 316);
    expect(callBytes(CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, { eventID: 0, dom: null }, register.header.serial)).toEqual(
      register.bytes,
    );
    const s2cEv = capturedPackets("events-keepalive", "s2c");
    const { callbackID } = CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY.ret.decode(replyTo(s2cEv, register).payload);
    const events = s2cEv.map(decodeEvent).filter((e) => e !== undefined);
    expect(events.map((e) => [e.id, e.event.kind, e.event.domain, e.event.kind === "lifecycle" ? e.event.event : ""])).toEqual([
      [callbackID, "lifecycle", "t-rpc-cap2", "defined"],
      [callbackID, "lifecycle", "t-rpc-cap2", "undefined"],
    ]);
    expect(events[0]?.event.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});
