import type { RpcConnection } from "./connection.js";
import type { Packet } from "./packet.js";
import {
  CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY,
  CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
  CONNECT_SUPPORTS_FEATURE,
  DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE,
  DOMAIN_EVENT_CALLBACK_LIFECYCLE,
} from "./procedures.js";
import { FEATURE_REMOTE_EVENT_CALLBACK, REMOTE_PROGRAM } from "./programs.js";
import { ConnectError } from "./errors.js";
import type { DomainRef } from "./remote-types.js";
import { uuidText } from "./uuid.js";

/** `virDomainEventType`: what happened to a domain. */
export type LifecycleEvent =
  "defined" | "undefined" | "started" | "suspended" | "resumed" | "stopped" | "shutdown" | "pmsuspended" | "crashed";
const LIFECYCLE: readonly LifecycleEvent[] = [
  "defined",
  "undefined",
  "started",
  "suspended",
  "resumed",
  "stopped",
  "shutdown",
  "pmsuspended",
  "crashed",
];

/** A domain's lifecycle event; `detail` is libvirt's detail number for that event (e.g. 0 for a boot). */
export interface DomainLifecycleEvent {
  kind: "lifecycle";
  domain: string;
  uuid: string;
  event: LifecycleEvent | "unknown";
  detail: number;
}

/** The guest agent's channel connected or disconnected (`VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE`). */
export interface AgentLifecycleEvent {
  kind: "agent";
  domain: string;
  uuid: string;
  state: "connected" | "disconnected" | "unknown";
  reason: "unknown" | "domain-started" | "channel";
}

export type DomainEvent = DomainLifecycleEvent | AgentLifecycleEvent;

/** `VIR_DOMAIN_EVENT_ID_LIFECYCLE` and `VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE`. */
const EVENT_ID = { lifecycle: 0, agent: 18 } as const;

/** A live subscription; `close()` deregisters it with libvirt. */
export interface EventSubscription {
  close(): Promise<void>;
}

/**
 * Subscribes to lifecycle and agent-lifecycle events of every domain (or of `domain` only), with
 * libvirt's callback registration (server-side filtering by callback id). Events arrive on the
 * connection as MESSAGE packets; those of other subscriptions are ignored.
 */
export async function subscribeDomainEvents(
  connection: RpcConnection,
  handler: (event: DomainEvent) => void,
  options: { domain?: DomainRef; kinds?: readonly DomainEvent["kind"][] } = {},
): Promise<EventSubscription> {
  const { supported } = await connection.call(CONNECT_SUPPORTS_FEATURE, { feature: FEATURE_REMOTE_EVENT_CALLBACK });
  if (supported === 0) throw new ConnectError(`libvirt at ${connection.uri} does not support event callbacks (libvirt older than 1.3)`);
  const ids = new Set<number>();
  // Events of a callback can arrive in the same read as its registration's reply, before the id
  // is known here: they wait, and go out once it is.
  let early: { id: number; event: DomainEvent }[] = [];
  let registering = 0;
  const deliver = (id: number, event: DomainEvent) => {
    if (ids.has(id)) handler(event);
    else if (registering > 0 && early.length < 1000) early.push({ id, event });
  };
  const unsubscribe = connection.onMessage((packet) => {
    const decoded = decodeEvent(packet);
    if (decoded !== undefined) deliver(decoded.id, decoded.event);
  });
  try {
    for (const kind of options.kinds ?? (["lifecycle", "agent"] as const)) {
      registering++;
      try {
        const { callbackID } = await connection.call(CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, {
          eventID: EVENT_ID[kind],
          dom: options.domain ?? null,
        });
        ids.add(callbackID);
      } finally {
        registering--;
      }
      const waiting = early;
      early = [];
      for (const { id, event } of waiting) deliver(id, event);
    }
  } catch (e) {
    unsubscribe();
    await deregister(connection, ids);
    throw e;
  }
  return {
    async close() {
      unsubscribe();
      await deregister(connection, ids);
    },
  };
}

async function deregister(connection: RpcConnection, ids: Set<number>): Promise<void> {
  if (connection.closed) return;
  for (const callbackID of ids) {
    await connection.call(CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY, { callbackID }).catch(() => {});
  }
  ids.clear();
}

/** The callback id and the event of a lifecycle or agent-lifecycle MESSAGE packet; undefined for others. */
export function decodeEvent(packet: Packet): { id: number; event: DomainEvent } | undefined {
  const { header } = packet;
  if (header.program !== REMOTE_PROGRAM) return undefined;
  if (header.procedure === DOMAIN_EVENT_CALLBACK_LIFECYCLE.number) {
    const m = DOMAIN_EVENT_CALLBACK_LIFECYCLE.payload.decode(packet.payload);
    return {
      id: m.callbackID,
      event: {
        kind: "lifecycle",
        domain: m.msg.dom.name,
        uuid: uuidText(m.msg.dom.uuid),
        event: LIFECYCLE[m.msg.event] ?? "unknown",
        detail: m.msg.detail,
      },
    };
  }
  if (header.procedure === DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE.number) {
    const m = DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE.payload.decode(packet.payload);
    return {
      id: m.callbackID,
      event: {
        kind: "agent",
        domain: m.dom.name,
        uuid: uuidText(m.dom.uuid),
        state: m.state === 1 ? "connected" : m.state === 2 ? "disconnected" : "unknown",
        reason: m.reason === 1 ? "domain-started" : m.reason === 2 ? "channel" : "unknown",
      },
    };
  }
  return undefined;
}
