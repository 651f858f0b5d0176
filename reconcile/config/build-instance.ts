import { buildHooks } from "./build-hooks.js";
import type { DiagnosticSink } from "./diag.js";
import type { Reference } from "./fragment.js";
import { keyPath } from "./names.js";
import type { ParsedFile } from "./parse.js";
import { getBoolean, getList, getMap, getNumber, getScalar, getString, type CheckedMap } from "./tree.js";
import type { InstanceSpec, PowerState, QuiescePolicy, SourcePos } from "./types.js";
import { isProblem, parseSize } from "./values.js";

export const MAX_VCPUS = 4096;

/** An instance as declared in one file, with the names it refers to. */
export interface BuiltInstance {
  spec: InstanceSpec;
  references: Reference[];
  /** True when the instance wrote `host:` (valid or not). */
  namesHost: boolean;
}

/**
 * Builds one instance. Exactly one of `image` and `adopt: true` must be given. An adopted domain's
 * memory and vCPUs are not frost's to manage (it did not create the domain and would have to
 * redefine it), so writing them on an adopted instance is an error rather than silently ignored.
 * `host` is left empty here; the merge decides it once it knows whether the config is a fleet.
 */
export function buildInstance(name: string, map: CheckedMap, pos: SourcePos, file: ParsedFile, sink: DiagnosticSink): BuiltInstance {
  const where = keyPath("instances", name);
  const references: Reference[] = [];
  const image = getString(map, "image");
  const adopt = getBoolean(map, "adopt") ?? false;
  const adoptPos = map.entries.get("adopt")?.value.pos;
  const both = "write image: NAME to have frost create the domain from an image, or adopt: true to manage an existing domain of this name";
  if (map.written.has("image") && adopt && adoptPos !== undefined) {
    sink.error("config.conflict", adoptPos, `${where} has both image: and adopt: true`, `${both}, not both`);
  } else if (!map.written.has("image") && !adopt) {
    if (!map.written.has("adopt")) {
      sink.error("config.missing", pos, `${where} has neither image: nor adopt: true`, both);
    } else if (adoptPos !== undefined) {
      sink.error("config.missing", adoptPos, `${where} has adopt: false and no image:`, both);
    }
  }
  if (image !== undefined) references.push({ kind: "image", name: image.value, pos: image.pos, where: `${where}.image` });

  const spec: InstanceSpec = {
    name,
    host: "",
    adopt,
    protect: getBoolean(map, "protect") ?? false,
    fsfreezeHooks: buildHooks(getMap(map, "fsfreezeHooks"), file, sink),
    written: {},
    pos,
  };
  for (const key of ["memory", "vcpus", "flavor", "networks", "fsfreezeHooks"] as const) {
    const keyPos = map.written.get(key);
    if (keyPos !== undefined) spec.written = { ...spec.written, [key]: keyPos };
  }
  const flavor = getString(map, "flavor");
  if (flavor !== undefined) {
    if (/^\s*$/.test(flavor.value) || /[\u0000-\u001f\u007f]/.test(flavor.value)) {
      sink.error(
        "config.value",
        flavor.pos,
        `${where}.flavor: ${JSON.stringify(flavor.value)} is not a flavor name`,
        "write a flavor's name as `openstack flavor list` shows it",
      );
    } else spec.flavor = flavor.value;
  }
  const networks = getScalar(map, "networks");
  if (networks !== undefined) spec.networks = "none";
  const networkList = getList(map, "networks");
  if (networkList !== undefined) {
    spec.networks = [];
    for (const item of networkList.items) {
      if (item.kind !== "scalar" || typeof item.value !== "string") continue;
      if (/^\s*$/.test(item.value) || /[\u0000-\u001f\u007f]/.test(item.value)) {
        sink.error(
          "config.value",
          item.pos,
          `${where}.networks: ${JSON.stringify(item.value)} is not a network name`,
          "write a network's name as `openstack network list` shows it, or networks: none",
        );
      } else spec.networks.push(item.value);
    }
  }
  if (image !== undefined) spec.image = image.value;
  const host = getString(map, "host");
  if (host !== undefined) {
    spec.host = host.value;
    references.push({ kind: "host", name: host.value, pos: host.pos, where: `${where}.host` });
  }
  const agent = getBoolean(map, "agent");
  if (agent !== undefined) spec.agent = agent;
  const quiesce = getString(map, "quiesce");
  if (quiesce !== undefined) spec.quiesce = quiesce.value as QuiescePolicy;
  const state = getString(map, "state");
  if (state !== undefined) spec.state = state.value as PowerState;

  const memory = getScalar(map, "memory");
  if (memory !== undefined) {
    const size = parseSize(memory.value, memory.source);
    if (isProblem(size)) sink.error("config.size", memory.pos, `${where}.memory: ${size.problem.summary}`, size.problem.detail);
    else spec.memory = size.value;
  }
  const vcpus = getNumber(map, "vcpus");
  if (vcpus !== undefined) {
    if (vcpus.value < 1 || vcpus.value > MAX_VCPUS) {
      sink.error(
        "config.range",
        vcpus.pos,
        `${where}.vcpus is ${vcpus.value}, outside 1..${MAX_VCPUS}`,
        `write a whole number of virtual CPUs from 1 to ${MAX_VCPUS}`,
      );
    } else {
      spec.vcpus = vcpus.value;
    }
  }
  if (adopt) {
    for (const key of ["memory", "vcpus"] as const) {
      const keyPos = map.written.get(key);
      if (keyPos === undefined) continue;
      sink.error(
        "config.conflict",
        keyPos,
        `${where}.${key} does not apply to an adopted instance`,
        `frost does not change the ${key === "memory" ? "memory" : "vCPUs"} of a domain it adopts; remove ${key}: here, or let frost create the instance from an image`,
      );
    }
  }
  return { spec, references, namesHost: map.written.has("host") };
}
