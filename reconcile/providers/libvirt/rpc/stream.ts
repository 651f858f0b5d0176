import type { RpcConnection } from "./connection.js";
import { CallTimeoutError, decodeLibvirtError } from "./errors.js";
import { STREAM_CHUNK_BYTES, type Packet } from "./packet.js";
import type { Procedure } from "./procedures.js";
import { PROGRAM_VERSION, programNumber } from "./programs.js";

/**
 * An outgoing data stream, as `virsh vol-upload` sends one: the call (e.g. virStorageVolUpload)
 * is answered first; then the data goes as STREAM packets of the call's serial (status
 * `continue`, at most 256 KiB each, written as fast as the transport drains), then an empty
 * STREAM packet with status `ok`, which libvirt confirms with one of its own once the data is
 * stored. libvirt may refuse mid-way (a STREAM packet with status `error`): the upload stops and
 * rejects with libvirt's error. A source that fails aborts the stream (status `error`).
 */
export async function sendStream<A>(
  connection: RpcConnection,
  procedure: Procedure<A, void>,
  args: A,
  source: AsyncIterable<Uint8Array>,
  timeoutMs: number,
): Promise<void> {
  const reply = deferred<void>();
  const finished = deferred<void>();
  let refused: Error | undefined;
  const serial = connection.begin(procedure, args, {
    packet(packet: Packet) {
      const { type, status } = packet.header;
      if (type === "reply" || type === "reply-with-fds") {
        if (status === "error") reply.reject(decodeLibvirtError(packet.payload, procedure.api));
        else reply.resolve();
      } else if (type === "stream") {
        if (status === "error") {
          refused = decodeLibvirtError(packet.payload, procedure.api);
          finished.reject(refused);
          reply.reject(refused);
        } else if (status === "ok") {
          finished.resolve();
        }
      }
    },
    lost(error) {
      refused = error;
      reply.reject(error);
      finished.reject(error);
    },
  });
  // Awaited only after the data is sent; an early refusal is read from `refused` meanwhile.
  finished.promise.catch(() => {});
  reply.promise.catch(() => {});
  if (serial === undefined) return reply.promise.then(() => {});
  const timer = setTimeout(() => {
    const error = new CallTimeoutError(procedure.api, timeoutMs);
    refused = refused ?? error;
    reply.reject(error);
    finished.reject(error);
  }, timeoutMs);
  const header = (status: "ok" | "error" | "continue") => ({
    program: programNumber(procedure.program),
    version: PROGRAM_VERSION,
    procedure: procedure.number,
    type: "stream" as const,
    serial,
    status,
  });
  try {
    await reply.promise;
    try {
      for await (const chunk of source) {
        for (let at = 0; at < chunk.byteLength; at += STREAM_CHUNK_BYTES) {
          if (refused !== undefined) throw refused;
          if (!connection.sendPacket(header("continue"), chunk.subarray(at, at + STREAM_CHUNK_BYTES))) await connection.drained();
        }
      }
    } catch (e) {
      if (refused === undefined) {
        // The source failed: abort the stream, so libvirt drops what it received.
        connection.sendPacket(header("error"));
      }
      throw e;
    }
    if (refused !== undefined) throw refused;
    connection.sendPacket(header("ok"));
    await finished.promise;
  } finally {
    clearTimeout(timer);
    connection.end(serial);
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
