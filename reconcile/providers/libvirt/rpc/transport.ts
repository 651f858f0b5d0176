import type { Readable, Writable } from "node:stream";

/**
 * A byte pipe to libvirtd: a unix socket, or ssh's standard input and output. The connection
 * writes packets and reads bytes; it never knows which transport carries them.
 */
export interface Transport {
  /** What the transport reaches, for messages: `unix socket /var/run/libvirt/libvirt-sock`, `ssh root@host`. */
  readonly description: string;
  /** Writes bytes; false when the transport buffers more than it wants (wait for `drained`). */
  write(bytes: Uint8Array): boolean;
  /** Resolves once buffered bytes have gone out (at once when none wait), or the transport closed. */
  drained(): Promise<void>;
  /** Subscribes to incoming bytes. */
  onData(handler: (chunk: Buffer) => void): void;
  /** Subscribes to the transport's end, called once with why it ended. */
  onClose(handler: (reason: string) => void): void;
  /** Ends the transport; pending writes are dropped. */
  close(): void;
}

/**
 * A Transport over a readable and a writable stream (one socket for both, or a child's stdout and
 * stdin). `explainClose` turns the end into words, e.g. ssh's last error lines.
 */
export class StreamTransport implements Transport {
  private closeHandlers: ((reason: string) => void)[] = [];
  private dataHandlers: ((chunk: Buffer) => void)[] = [];
  private closedReason: string | undefined;

  constructor(
    readonly description: string,
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly teardown: () => void,
    /** False when something else says when the transport ended (ssh's exit, with its reasons). */
    endsWithInput = true,
  ) {
    input.on("data", (chunk: Buffer) => {
      for (const h of this.dataHandlers) h(chunk);
    });
    if (endsWithInput) input.on("end", () => this.ended("the other end closed the connection"));
    input.on("error", (e) => this.ended(e.message));
    output.on("error", (e) => this.ended(e.message));
  }

  /** Marks the transport closed for `reason` (the first reason wins) and tells the subscribers. */
  ended(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.teardown();
    for (const h of this.closeHandlers) h(reason);
  }

  write(bytes: Uint8Array): boolean {
    if (this.closedReason !== undefined) return true;
    return this.output.write(bytes);
  }

  drained(): Promise<void> {
    if (this.closedReason !== undefined || !this.output.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.output.off("drain", done);
        this.output.off("close", done);
        resolve();
      };
      this.output.on("drain", done);
      this.output.on("close", done);
    });
  }

  onData(handler: (chunk: Buffer) => void): void {
    this.dataHandlers.push(handler);
  }

  onClose(handler: (reason: string) => void): void {
    if (this.closedReason !== undefined) {
      handler(this.closedReason);
      return;
    }
    this.closeHandlers.push(handler);
  }

  close(): void {
    this.ended("closed by frost");
  }
}
