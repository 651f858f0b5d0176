import { describe, expect, it } from "vitest";
import { FramingError, PacketDecoder, encodePacket, type Packet } from "../../../reconcile/providers/libvirt/rpc/packet.js";
import { captureBytes, capturedPackets, type CaptureName } from "./captures.js";

const CAPTURES: CaptureName[] = ["open-domstate", "error-reply", "vol-upload", "events-keepalive", "agent-command"];

/** Feeds `bytes` to a decoder in chunks of the sizes `sizes` cycles through. */
function decodeInChunks(bytes: Buffer, sizes: number[]): Packet[] {
  const decoder = new PacketDecoder();
  const out: Packet[] = [];
  let i = 0;
  for (let at = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length] as number;
    out.push(...decoder.push(bytes.subarray(at, at + size)));
    at += size;
  }
  expect(decoder.pending).toBe(0);
  return out;
}

describe("libvirt packet framing, against virsh <-> libvirtd captures", () => {
  for (const name of CAPTURES) {
    for (const direction of ["c2s", "s2c"] as const) {
      it(`${name}.${direction}: every packet re-encodes to its exact bytes, however the stream is cut`, () => {
        const raw = captureBytes(name, direction);
        const packets = capturedPackets(name, direction);
        expect(packets.length).toBeGreaterThan(3);
        // Whole, one byte at a time, and in uneven chunks that split length words and headers.
        for (const sizes of [[raw.length], [1], [3, 7, 29, 2], [5000]]) {
          const decoded = decodeInChunks(raw, sizes);
          expect(decoded.map((p) => p.header)).toEqual(packets.map((p) => p.header));
          expect(decoded.map((p) => Buffer.from(p.payload).toString("hex"))).toEqual(
            packets.map((p) => Buffer.from(p.payload).toString("hex")),
          );
        }
        expect(Buffer.concat(packets.map((p) => encodePacket(p.header, p.payload)))).toEqual(raw);
      });
    }
  }

  it("reads the header fields libvirt sent: program, procedure, type, serial, status", () => {
    const s2c = capturedPackets("events-keepalive", "s2c");
    expect(s2c[0]?.header).toEqual({ program: 0x20008086, version: 1, procedure: 66, type: "reply", serial: 0, status: "ok" });
    expect(s2c.filter((p) => p.header.program === 0x6b656570).map((p) => [p.header.procedure, p.header.type])).toContainEqual([
      2,
      "message",
    ]);
    const upload = capturedPackets("vol-upload", "c2s").filter((p) => p.header.type === "stream");
    expect(upload.map((p) => p.header.status)).toEqual(["continue", "ok"]);
    expect(Buffer.from(upload[0]?.payload ?? []).toString()).toBe("hello, libvirt\n");
  });

  it("refuses a length word too small for a header or larger than libvirt's limit", () => {
    const tooSmall = Buffer.from([0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => new PacketDecoder().push(tooSmall)).toThrow(FramingError);
    expect(() => new PacketDecoder().push(tooSmall)).toThrow(/packet length of 12 bytes/);
    const tooLarge = Buffer.from([0x7f, 0xff, 0xff, 0xff]);
    expect(() => new PacketDecoder().push(tooLarge)).toThrow(/packet length of 2147483647 bytes/);
  });

  it("refuses a packet type libvirt does not define", () => {
    const [first] = capturedPackets("open-domstate", "s2c");
    const bad = Buffer.from(first?.bytes ?? []);
    bad.writeInt32BE(9, 16);
    expect(() => new PacketDecoder().push(bad)).toThrow(/unknown type 9/);
  });
});
