import type { Flavor, InstanceAction, NovaServer } from "../cloud.js";
import { arrayAt, isObject, numberAt, objectAt, stringAt, textMap } from "./json-fields.js";

/**
 * A server as Nova 2.60 shows it in detail, in frost's terms. `image` is "" for a server booted
 * from a volume (no image id then); the flavor is embedded (2.47) with its `original_name`; the
 * OS-EXT-SRV-ATTR attributes are there only for an admin.
 */
export function toNovaServer(json: unknown): NovaServer | undefined {
  if (!isObject(json)) return undefined;
  const id = stringAt(json, "id");
  if (id === undefined) return undefined;
  const imageId = stringAt(objectAt(json, "image"), "id");
  const flavorName = stringAt(objectAt(json, "flavor"), "original_name");
  const computeHost = stringAt(json, "OS-EXT-SRV-ATTR:host");
  const instanceName = stringAt(json, "OS-EXT-SRV-ATTR:instance_name");
  const fault = stringAt(objectAt(json, "fault"), "message");
  return {
    id,
    name: stringAt(json, "name") ?? "",
    status: stringAt(json, "status") ?? "",
    taskState: stringAt(json, "OS-EXT-STS:task_state") ?? null,
    ...(imageId ? { imageId } : {}),
    ...(flavorName !== undefined ? { flavorName } : {}),
    createdAt: stringAt(json, "created") ?? "",
    updatedAt: stringAt(json, "updated") ?? "",
    metadata: textMap(json["metadata"]),
    ...(computeHost ? { computeHost } : {}),
    ...(instanceName ? { instanceName } : {}),
    ...(fault !== undefined ? { fault } : {}),
  };
}

/** An os-instance-actions entry; `events` only when read one by one (empty otherwise). */
export function toInstanceAction(json: unknown): InstanceAction | undefined {
  if (!isObject(json)) return undefined;
  const action = stringAt(json, "action");
  const requestId = stringAt(json, "request_id");
  if (action === undefined || requestId === undefined) return undefined;
  const message = json["message"];
  return {
    action,
    requestId,
    startTime: stringAt(json, "start_time") ?? "",
    ...(typeof message === "string" || message === null ? { message } : {}),
    events: arrayAt(json, "events")
      .filter(isObject)
      .map((e) => ({
        event: stringAt(e, "event") ?? "",
        result: nullableString(e["result"]),
        finishTime: nullableString(e["finish_time"]),
        ...(e["traceback"] !== undefined ? { traceback: nullableString(e["traceback"]) } : {}),
      })),
  };
}

export function toFlavor(json: unknown): Flavor | undefined {
  const id = stringAt(json, "id");
  if (id === undefined) return undefined;
  return {
    id,
    name: stringAt(json, "name") ?? "",
    ram: numberAt(json, "ram") ?? 0,
    vcpus: numberAt(json, "vcpus") ?? 0,
    disk: numberAt(json, "disk") ?? 0,
  };
}

function nullableString(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}
