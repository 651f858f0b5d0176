/**
 * What a guest-ping to the QEMU guest agent said, whichever provider asked: `ok`; `no-channel`
 * (nothing to ask); `not-connected` (channel there, no agent on the other end); `timeout` (asked,
 * no answer within the deadline: a hung agent); `error` (any other failure, with libvirt's message);
 * `not-checked` (the domain does not run, or nobody asked).
 */
export interface AgentProbe {
  status: "ok" | "no-channel" | "not-connected" | "timeout" | "error" | "not-checked";
  message?: string;
  elapsedMs?: number;
}
