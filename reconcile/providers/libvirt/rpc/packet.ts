import { int32, struct, uint32, type Infer } from "./xdr.js";

/**
 * libvirt's RPC packet (`src/rpc/virnetprotocol.x`): a length word that counts itself, a
 * six-word header, then the XDR payload. This module frames and unframes packets; what a payload
 * means is the procedures' business.
 */

/** `VIR_NET_MESSAGE_MAX` plus the length word: the largest packet libvirt sends (32 MiB). */
export const MAX_PACKET_BYTES = 33_554_432 + 4;
/** Length word plus header: the smallest packet. */
export const HEADER_BYTES = 4 + 24;
/** `VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX`: the stream chunk libvirt's own client sends. */
export const STREAM_CHUNK_BYTES = 262_120;

/** `virNetMessageType`, by name. */
export type MessageType = "call" | "reply" | "message" | "stream" | "call-with-fds" | "reply-with-fds" | "stream-hole";
/** `virNetMessageStatus`, by name: `continue` marks a stream packet with more to come. */
export type MessageStatus = "ok" | "error" | "continue";

const TYPES: readonly MessageType[] = ["call", "reply", "message", "stream", "call-with-fds", "reply-with-fds", "stream-hole"];
const STATUSES: readonly MessageStatus[] = ["ok", "error", "continue"];

/** `virNetMessageHeader`, as it is on the wire. */
const wireHeader = struct("virNetMessageHeader", {
  prog: uint32(),
  vers: uint32(),
  proc: int32(),
  type: int32(),
  serial: uint32(),
  status: int32(),
});
type WireHeader = Infer<typeof wireHeader>;

/** A packet's header: which program and procedure, what kind of packet, and the call it belongs to. */
export interface PacketHeader {
  program: number;
  version: number;
  procedure: number;
  type: MessageType;
  serial: number;
  status: MessageStatus;
}

/** One whole packet. */
export interface Packet {
  header: PacketHeader;
  payload: Uint8Array;
}

/** A malformed packet or byte stream: the connection cannot go on after one. */
export class FramingError extends Error {
  override readonly name = "FramingError";
}

/** The bytes of one packet: length word, header, payload. */
export function encodePacket(header: PacketHeader, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const wire: WireHeader = {
    prog: header.program,
    vers: header.version,
    proc: header.procedure,
    type: TYPES.indexOf(header.type),
    serial: header.serial,
    status: STATUSES.indexOf(header.status),
  };
  const head = wireHeader.encode(wire);
  const length = uint32().encode(4 + head.length + payload.length);
  if (4 + head.length + payload.length > MAX_PACKET_BYTES) {
    throw new FramingError(`a packet of ${4 + head.length + payload.length} bytes is larger than libvirt accepts (${MAX_PACKET_BYTES})`);
  }
  return Buffer.concat([length, head, payload]);
}

/** Reads the header of a packet's bytes (without the length word). */
function decodeHeader(bytes: Uint8Array): PacketHeader {
  const wire = wireHeader.decode(bytes);
  const type = TYPES[wire.type];
  const status = STATUSES[wire.status];
  if (type === undefined) throw new FramingError(`libvirt sent a packet of unknown type ${wire.type}`);
  if (status === undefined) throw new FramingError(`libvirt sent a packet of unknown status ${wire.status}`);
  return { program: wire.prog, version: wire.vers, procedure: wire.proc, type, serial: wire.serial, status };
}

/**
 * Splits a byte stream into packets, whatever the chunks it arrives in. A length outside
 * [HEADER_BYTES, MAX_PACKET_BYTES] is a FramingError: what follows it cannot be trusted.
 */
export class PacketDecoder {
  private buffered: Buffer[] = [];
  private size = 0;

  /** Adds bytes; returns every packet they complete, in order. */
  push(chunk: Uint8Array): Packet[] {
    this.buffered.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.size += chunk.byteLength;
    const packets: Packet[] = [];
    for (;;) {
      if (this.size < 4) break;
      const length = this.peekLength();
      if (length < HEADER_BYTES || length > MAX_PACKET_BYTES) {
        throw new FramingError(`libvirt sent a packet length of ${length} bytes (expected ${HEADER_BYTES} to ${MAX_PACKET_BYTES})`);
      }
      // Joined only once the whole packet is here: a large reply arriving in many chunks is copied once.
      if (this.size < length) break;
      const all = this.buffered.length === 1 ? (this.buffered[0] as Buffer) : Buffer.concat(this.buffered, this.size);
      const header = decodeHeader(all.subarray(4, HEADER_BYTES));
      // A copy: the payload outlives the buffer, which is reused for what follows.
      const payload = Uint8Array.prototype.slice.call(all, HEADER_BYTES, length);
      packets.push({ header, payload });
      const rest = all.subarray(length);
      this.buffered = rest.length > 0 ? [rest] : [];
      this.size = rest.length;
    }
    return packets;
  }

  /** The length word at the front of what is buffered (at least four bytes are). */
  private peekLength(): number {
    const first = this.buffered[0] as Buffer;
    if (first.length >= 4) return first.readUInt32BE(0);
    const joined = Buffer.concat(this.buffered, this.size);
    this.buffered = [joined];
    return joined.readUInt32BE(0);
  }

  /** Bytes received that do not make a whole packet yet. */
  get pending(): number {
    return this.size;
  }
}
