import { CallTimeoutError, ConnectionLostError, decodeLibvirtError } from "./errors.js";
import { Keepalive, type KeepaliveOptions } from "./keepalive.js";
import { FramingError, PacketDecoder, encodePacket, type Packet, type PacketHeader } from "./packet.js";
import { CONNECT_CLOSE, type Procedure } from "./procedures.js";
import { KEEPALIVE_PROGRAM, PROGRAM_VERSION, programNumber } from "./programs.js";
import type { Transport } from "./transport.js";

/** Options of one call. */
export interface CallOptions {
  /** The call's deadline; the connection's default (60 s) when absent. */
  timeoutMs?: number;
}

/** What one exchange (a call, or a call and its stream) receives: its packets, or the connection's loss. */
export interface Exchange {
  packet(packet: Packet): void;
  lost(error: ConnectionLostError): void;
}

/** The deadline of a call that gives none. */
export const DEFAULT_CALL_TIMEOUT_MS = 60_000;

/**
 * One connection to libvirtd: concurrent calls matched to their replies by serial, each with its
 * own deadline, event messages handed to subscribers, and keepalive. When the transport ends, or
 * keepalive finds the daemon silent, every pending call fails with a ConnectionLostError naming
 * the connection and why, and so does every call after.
 */
export class RpcConnection {
  private serial = 0;
  private readonly exchanges = new Map<number, Exchange>();
  private readonly messageHandlers = new Set<(packet: Packet) => void>();
  private readonly closeHandlers = new Set<(error: ConnectionLostError) => void>();
  private readonly decoder = new PacketDecoder();
  private readonly keepalive: Keepalive;
  private lostWith: ConnectionLostError | undefined;

  constructor(
    private readonly transport: Transport,
    /** The URI the connection was opened for, for messages. */
    readonly uri: string,
    readonly defaultTimeoutMs = DEFAULT_CALL_TIMEOUT_MS,
  ) {
    this.keepalive = new Keepalive(
      (procedure) =>
        this.sendPacket({ program: KEEPALIVE_PROGRAM, version: PROGRAM_VERSION, procedure, type: "message", serial: 0, status: "ok" }),
      (reason) => this.abandon(reason),
    );
    transport.onData((chunk) => this.receive(chunk));
    transport.onClose((reason) => this.fail(reason));
  }

  /** What the connection runs over, e.g. `unix socket /var/run/libvirt/libvirt-sock`. */
  get transportDescription(): string {
    return this.transport.description;
  }

  /** True once the connection is gone (closed, or lost). */
  get closed(): boolean {
    return this.lostWith !== undefined;
  }

  /**
   * Calls `procedure` with `args` and resolves to its decoded reply; rejects with libvirt's error
   * (LibvirtError), a CallTimeoutError at the deadline, or a ConnectionLostError.
   */
  call<A, R>(procedure: Procedure<A, R>, args: A, options: CallOptions = {}): Promise<R> {
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<R>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let serial: number | undefined;
      const finish = () => {
        if (timer !== undefined) clearTimeout(timer);
        if (serial !== undefined) this.exchanges.delete(serial);
      };
      serial = this.begin(procedure, args, {
        packet: (packet) => {
          if (packet.header.type !== "reply" && packet.header.type !== "reply-with-fds") return;
          finish();
          if (packet.header.status === "error") {
            reject(decodeLibvirtError(packet.payload, procedure.api));
            return;
          }
          try {
            resolve(procedure.ret.decode(packet.payload));
          } catch (e) {
            reject(new Error(`libvirt's reply to ${procedure.api} could not be read: ${(e as Error).message}`));
          }
        },
        lost: (error) => {
          finish();
          reject(error);
        },
      });
      if (serial === undefined) return;
      timer = setTimeout(() => {
        // The daemon may still answer; the serial is forgotten, so that answer is dropped.
        finish();
        reject(new CallTimeoutError(procedure.api, timeoutMs));
      }, timeoutMs);
    });
  }

  /**
   * Sends a CALL of `procedure` and routes every packet of its serial (the reply, and stream
   * packets after it) to `exchange` until `end(serial)`. Returns the serial, or undefined when the
   * connection is already gone (`exchange.lost` has then been called).
   */
  begin<A>(procedure: Procedure<A, unknown>, args: A, exchange: Exchange): number | undefined {
    if (this.lostWith !== undefined) {
      exchange.lost(this.lostFor(procedure.api));
      return undefined;
    }
    let payload: Uint8Array;
    try {
      payload = procedure.args.encode(args);
    } catch (e) {
      throw new Error(`cannot encode the arguments of ${procedure.api}: ${(e as Error).message}`);
    }
    const serial = this.serial;
    this.serial = (this.serial + 1) >>> 0;
    this.exchanges.set(serial, {
      packet: exchange.packet,
      lost: () => exchange.lost(this.lostFor(procedure.api)),
    });
    this.sendPacket(
      {
        program: programNumber(procedure.program),
        version: PROGRAM_VERSION,
        procedure: procedure.number,
        type: "call",
        serial,
        status: "ok",
      },
      payload,
    );
    return serial;
  }

  /** Stops routing packets of `serial`. */
  end(serial: number): void {
    this.exchanges.delete(serial);
  }

  /** Writes one packet; false when the transport wants `drained()` awaited before more. */
  sendPacket(header: PacketHeader, payload?: Uint8Array): boolean {
    if (this.lostWith !== undefined) return true;
    return this.transport.write(encodePacket(header, payload));
  }

  /** Resolves when the transport has written what it buffered. */
  drained(): Promise<void> {
    return this.transport.drained();
  }

  /** Subscribes to MESSAGE packets (events); returns the unsubscribe. */
  onMessage(handler: (packet: Packet) => void): () => void {
    this.messageHandlers.add(handler);
    return () => this.messageHandlers.delete(handler);
  }

  /** Subscribes to the connection's loss (called at once when already lost); returns the unsubscribe. */
  onClose(handler: (error: ConnectionLostError) => void): () => void {
    if (this.lostWith !== undefined) {
      handler(this.lostWith);
      return () => {};
    }
    this.closeHandlers.add(handler);
    return () => this.closeHandlers.delete(handler);
  }

  /** Starts libvirt's keepalive on this connection (see keepalive.ts). */
  startKeepalive(options: KeepaliveOptions): void {
    this.keepalive.start(options);
  }

  /**
   * Closes the connection as libvirt's client does (CONNECT_CLOSE, answered within `timeoutMs` or
   * not), then ends the transport. Calls still pending fail.
   */
  async close(timeoutMs = 2_000): Promise<void> {
    if (this.closed) return;
    try {
      await this.call(CONNECT_CLOSE, undefined, { timeoutMs });
    } catch {
      // Closing anyway: an answer would change nothing.
    }
    this.abandon("closed by frost");
  }

  /** Ends the connection at once: pending calls fail with `reason`. */
  abandon(reason: string): void {
    this.fail(reason);
    this.transport.close();
  }

  private receive(chunk: Buffer): void {
    let packets: Packet[];
    try {
      packets = this.decoder.push(chunk);
    } catch (e) {
      this.abandon(e instanceof FramingError ? e.message : `unreadable data from libvirt: ${(e as Error).message}`);
      return;
    }
    for (const packet of packets) {
      this.keepalive.heard();
      const { header } = packet;
      if (header.program === KEEPALIVE_PROGRAM) {
        this.keepalive.handle(header.procedure);
      } else if (header.type === "message") {
        for (const h of this.messageHandlers) h(packet);
      } else {
        this.exchanges.get(header.serial)?.packet(packet);
      }
    }
  }

  private fail(reason: string): void {
    if (this.lostWith !== undefined) return;
    this.keepalive.stop();
    this.lostWith = new ConnectionLostError(`the libvirt connection to ${this.uri} (${this.transport.description}) was lost: ${reason}`);
    const pending = [...this.exchanges.values()];
    this.exchanges.clear();
    for (const exchange of pending) exchange.lost(this.lostWith);
    for (const h of this.closeHandlers) h(this.lostWith);
    this.closeHandlers.clear();
    this.messageHandlers.clear();
  }

  private lostFor(api: string): ConnectionLostError {
    const lost = this.lostWith as ConnectionLostError;
    return new ConnectionLostError(`${api} got no answer: ${lost.message}`);
  }
}
