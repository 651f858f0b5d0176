import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PacketDecoder, type Packet } from "../../../reconcile/providers/libvirt/rpc/packet.js";
import type { Transport } from "../../../reconcile/providers/libvirt/rpc/transport.js";

const DIR = join(import.meta.dirname, "..", "..", "fixtures", "libvirt-rpc");

/** The exchanges captured between virsh and libvirtd (see the fixtures' README). */
export type CaptureName = "open-domstate" | "error-reply" | "vol-upload" | "events-keepalive" | "agent-command";

/** One captured packet: decoded, and its exact bytes. */
export interface CapturedPacket extends Packet {
  bytes: Buffer;
}

/** The raw bytes of one direction of a capture. */
export function captureBytes(name: CaptureName, direction: "c2s" | "s2c"): Buffer {
  return readFileSync(join(DIR, `${name}.${direction}.bin`));
}

/** The packets of one direction of a capture, each with its bytes (cut by the length words, independently of the decoder). */
export function capturedPackets(name: CaptureName, direction: "c2s" | "s2c"): CapturedPacket[] {
  const raw = captureBytes(name, direction);
  const out: CapturedPacket[] = [];
  for (let at = 0; at < raw.length;) {
    const length = raw.readUInt32BE(at);
    const bytes = raw.subarray(at, at + length);
    const [packet] = new PacketDecoder().push(bytes);
    if (packet === undefined) throw new Error(`${name}.${direction}: no packet at ${at}`);
    out.push({ ...packet, bytes });
    at += length;
  }
  return out;
}

/** The first captured packet matching `pred`. */
export function findPacket(packets: CapturedPacket[], pred: (p: CapturedPacket) => boolean): CapturedPacket {
  const found = packets.find(pred);
  if (found === undefined) throw new Error("no such packet in the capture");
  return found;
}

/**
 * A Transport whose other end is the test: what the client writes is collected (and split into
 * packets), and the test pushes libvirtd's side with `receive` and ends it with `end`.
 */
export class ScriptedTransport implements Transport {
  readonly description = "scripted transport";
  readonly written: Buffer[] = [];
  private readonly decoder = new PacketDecoder();
  readonly sent: Packet[] = [];
  private data: ((chunk: Buffer) => void)[] = [];
  private closers: ((reason: string) => void)[] = [];
  private onSent: ((p: Packet) => void)[] = [];
  closed: string | undefined;

  write(bytes: Uint8Array): boolean {
    const b = Buffer.from(bytes);
    this.written.push(b);
    for (const p of this.decoder.push(b)) {
      this.sent.push(p);
      for (const h of this.onSent) h(p);
    }
    return true;
  }
  drained(): Promise<void> {
    return Promise.resolve();
  }
  onData(handler: (chunk: Buffer) => void): void {
    this.data.push(handler);
  }
  onClose(handler: (reason: string) => void): void {
    this.closers.push(handler);
  }
  close(): void {
    this.end("closed by frost");
  }

  /** libvirtd sends these bytes. */
  receive(bytes: Uint8Array): void {
    for (const h of this.data) h(Buffer.from(bytes));
  }
  /** libvirtd's end of the transport goes away. */
  end(reason: string): void {
    if (this.closed !== undefined) return;
    this.closed = reason;
    for (const h of this.closers) h(reason);
  }
  /** Calls `handler` for every packet the client writes from now on. */
  whenSent(handler: (p: Packet) => void): void {
    this.onSent.push(handler);
  }
}
