import { KEEPALIVE_PING, KEEPALIVE_PONG } from "./programs.js";

/**
 * libvirt's keepalive program, as its own client runs it: every packet from the daemon proves the
 * connection alive; after `intervalMs` of silence a PING goes out, and after `count` unanswered
 * PINGs in a row the connection is declared dead (a daemon that hangs, a host that vanished, an
 * ssh pipe that stalls). A PING from the daemon is answered with a PONG at once, started or not.
 */
export interface KeepaliveOptions {
  /** Silence before a PING, and between PINGs (libvirt's default: 5 s). */
  intervalMs: number;
  /** PINGs without any answer before the connection is dead (libvirt's default: 5). */
  count: number;
}

export const DEFAULT_KEEPALIVE: KeepaliveOptions = { intervalMs: 5_000, count: 5 };

export class Keepalive {
  private lastHeard = Date.now();
  private unanswered = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: (procedure: typeof KEEPALIVE_PING | typeof KEEPALIVE_PONG) => void,
    private readonly dead: (reason: string) => void,
  ) {}

  /** Starts pinging; the timer never keeps the process alive on its own. */
  start(options: KeepaliveOptions): void {
    this.stop();
    const tick = Math.max(50, Math.floor(options.intervalMs / 5));
    this.timer = setInterval(() => {
      if (Date.now() - this.lastHeard < options.intervalMs * (this.unanswered + 1)) return;
      if (this.unanswered >= options.count) {
        this.stop();
        this.dead(`no answer to ${options.count} keepalive pings in ${Math.round((Date.now() - this.lastHeard) / 1000)} s`);
        return;
      }
      this.unanswered++;
      this.send(KEEPALIVE_PING);
    }, tick);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Any packet from the daemon: the connection is alive. */
  heard(): void {
    this.lastHeard = Date.now();
    this.unanswered = 0;
  }

  /** A keepalive packet from the daemon: a PING is answered. */
  handle(procedure: number): void {
    if (procedure === KEEPALIVE_PING) this.send(KEEPALIVE_PONG);
  }
}
