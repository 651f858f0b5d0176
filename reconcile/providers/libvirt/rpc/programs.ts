/**
 * The RPC programs a libvirt connection carries, by their numbers on the wire. Every packet names
 * its program and version; a reply or message of another program is a protocol error.
 */

/** `REMOTE_PROGRAM`: the public API (`src/remote/remote_protocol.x`). */
export const REMOTE_PROGRAM = 0x20008086;
/** `QEMU_PROGRAM`: the QEMU driver's own calls, among them the guest-agent command (`qemu_protocol.x`). */
export const QEMU_PROGRAM = 0x20008087;
/** `KEEPALIVE_PROGRAM` ("keep"): ping and pong, both directions (`virkeepaliveprotocol.x`). */
export const KEEPALIVE_PROGRAM = 0x6b656570;
/** Every one of the three is at version 1. */
export const PROGRAM_VERSION = 1;

/** The programs by name. */
export type ProgramName = "remote" | "qemu" | "keepalive";

/** A program's number. */
export function programNumber(program: ProgramName): number {
  return program === "remote" ? REMOTE_PROGRAM : program === "qemu" ? QEMU_PROGRAM : KEEPALIVE_PROGRAM;
}

/** `KEEPALIVE_PROC_PING` and `KEEPALIVE_PROC_PONG`: messages without a payload. */
export const KEEPALIVE_PING = 1;
export const KEEPALIVE_PONG = 2;

/**
 * `VIR_DRV_FEATURE_*` numbers that a client asks about with `connectSupportsFeature`, as
 * libvirt's own client does before it relies on them. Asking about keepalive also makes the daemon
 * start pinging this connection.
 */
export const FEATURE_PROGRAM_KEEPALIVE = 10;
export const FEATURE_REMOTE_EVENT_CALLBACK = 14;
