import type { DiagnosticSink } from "./diag.js";
import { NAME_RULE_TEXT, nameProblem, showName } from "./names.js";
import { getBoolean, getList, getMap, getScalar, getString, type CheckedMap } from "./tree.js";
import type { AppArmorMode, HostSpec, SourcePos } from "./types.js";
import { openstackUri } from "./openstack-uri.js";
import { checkLibvirtUri } from "./libvirt-uri.js";
import { checkAbsolutePath, checkAppArmorAbstraction, checkAppArmorRule } from "./values.js";

/** Defaults of a host's fields, as product.md documents them. */
export const HOST_DEFAULTS = {
  uri: "qemu:///system",
  pool: "default",
  apparmor: {
    manage: "auto" as AppArmorMode,
    abstraction: "/etc/apparmor.d/abstractions/libvirt-qemu",
    rules: ["/var/lib/libvirt/qemu/*.sock rw,"],
  },
};

/** Keys that mean something for one kind of host only. */
const LIBVIRT_ONLY = ["uri", "pool", "poolPath", "domainType", "apparmor"] as const;
const OPENSTACK_ONLY = ["cloud", "compute", "trustNovaQuiesce"] as const;

/** Builds one host from its checked settings, filling in defaults and checking URI, pool and AppArmor values. */
export function buildHost(name: string, map: CheckedMap, pos: SourcePos, path: string, sink: DiagnosticSink): HostSpec {
  const kind = getString(map, "kind")?.value === "openstack" ? "openstack" : "libvirt";
  const wrong = kind === "openstack" ? LIBVIRT_ONLY : OPENSTACK_ONLY;
  for (const key of wrong) {
    const keyPos = map.written.get(key);
    if (keyPos === undefined) continue;
    sink.error(
      "config.conflict",
      keyPos,
      `${path}.${key} does not apply to a host of kind ${kind}`,
      kind === "openstack"
        ? `an OpenStack host is reached through its cloud (cloud: NAME from clouds.yaml, or the OS_* variables); remove ${key}: here`
        : `${key}: is for kind: openstack hosts; remove it here, or add kind: openstack`,
    );
  }
  if (kind === "openstack") return buildOpenStackHost(name, map, pos, path, sink);
  const uri = getString(map, "uri");
  if (uri !== undefined) {
    const p = checkLibvirtUri(uri.value);
    if (p !== undefined) sink.problem("config.value", uri.pos, p);
  }
  const pool = getString(map, "pool");
  if (pool !== undefined) {
    const why = nameProblem(pool.value);
    if (why !== undefined) sink.error("config.name", pool.pos, `${path}.pool: pool name ${showName(pool.value)} ${why}`, NAME_RULE_TEXT);
  }
  const poolPath = getString(map, "poolPath");
  if (poolPath !== undefined) {
    const p = checkAbsolutePath(poolPath.value);
    if (p !== undefined) sink.problem("config.value", poolPath.pos, p);
  }
  const domainType = getString(map, "domainType");
  const owner = getString(map, "owner");
  if (owner !== undefined) {
    const why = nameProblem(owner.value);
    if (why !== undefined) sink.error("config.name", owner.pos, `${path}.owner: ${showName(owner.value)} ${why}`, NAME_RULE_TEXT);
  }
  const apparmor = getMap(map, "apparmor");
  const spec: HostSpec = {
    name,
    kind: "libvirt",
    uri: uri?.value ?? HOST_DEFAULTS.uri,
    pool: pool?.value ?? HOST_DEFAULTS.pool,
    ...(poolPath !== undefined ? { poolPath: poolPath.value } : {}),
    domainType: domainType?.value === "qemu" ? "qemu" : "kvm",
    ...(owner !== undefined ? { owner: owner.value } : {}),
    apparmor: {
      manage: HOST_DEFAULTS.apparmor.manage,
      abstraction: HOST_DEFAULTS.apparmor.abstraction,
      rules: [...HOST_DEFAULTS.apparmor.rules],
    },
    compute: {},
    pos,
  };
  if (apparmor === undefined) return spec;
  const manage = getScalar(apparmor, "manage");
  if (manage !== undefined) spec.apparmor.manage = String(manage.value) as AppArmorMode;
  const abstraction = getString(apparmor, "abstraction");
  if (abstraction !== undefined) {
    const p = checkAppArmorAbstraction(abstraction.value);
    if (p !== undefined) sink.problem("config.value", abstraction.pos, p);
    spec.apparmor.abstraction = abstraction.value;
  }
  const rules = getList(apparmor, "rules");
  if (rules !== undefined) {
    spec.apparmor.rules = [];
    for (const item of rules.items) {
      if (item.kind !== "scalar" || typeof item.value !== "string") continue;
      const p = checkAppArmorRule(item.value);
      if (p !== undefined) sink.problem("config.value", item.pos, p);
      spec.apparmor.rules.push(item.value.trim());
    }
  }
  return spec;
}

/**
 * An OpenStack host: a cloud, optionally the compute hosts frost may reach through libvirt, and
 * whether it accepts Nova's own enforcement of a required quiesce where frost cannot check the
 * agent. `uri` is only a label (`openstack:CLOUD`) for messages; the owner works as on a libvirt host.
 */
function buildOpenStackHost(name: string, map: CheckedMap, pos: SourcePos, path: string, sink: DiagnosticSink): HostSpec {
  const cloud = getString(map, "cloud");
  if (cloud !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$/.test(cloud.value)) {
    sink.error(
      "config.name",
      cloud.pos,
      `${path}.cloud: ${showName(cloud.value)} is not a cloud name`,
      "write the name of an entry under clouds: in clouds.yaml (letters, digits, '_', '.', '+', '-')",
    );
  }
  const owner = getString(map, "owner");
  if (owner !== undefined) {
    const why = nameProblem(owner.value);
    if (why !== undefined) sink.error("config.name", owner.pos, `${path}.owner: ${showName(owner.value)} ${why}`, NAME_RULE_TEXT);
  }
  const compute: Record<string, string> = {};
  for (const entry of getMap(map, "compute")?.entries.values() ?? []) {
    const why = nameProblem(entry.key);
    if (why !== undefined)
      sink.error("config.name", entry.keyPos, `${path}.compute: host name ${showName(entry.key)} ${why}`, NAME_RULE_TEXT);
    if (entry.value.kind !== "scalar" || typeof entry.value.value !== "string") continue;
    const p = checkLibvirtUri(entry.value.value);
    if (p !== undefined) sink.problem("config.value", entry.value.pos, p);
    compute[entry.key] = entry.value.value;
  }
  const trustPos = map.written.get("trustNovaQuiesce");
  const trust = getBoolean(map, "trustNovaQuiesce") === true && trustPos !== undefined;
  return {
    name,
    kind: "openstack",
    uri: openstackUri(cloud?.value),
    pool: HOST_DEFAULTS.pool,
    domainType: "kvm",
    ...(owner !== undefined ? { owner: owner.value } : {}),
    apparmor: { manage: "false", abstraction: HOST_DEFAULTS.apparmor.abstraction, rules: [] },
    ...(cloud !== undefined ? { cloud: cloud.value } : {}),
    compute,
    ...(trust ? { trustNovaQuiesce: { key: `${path}.trustNovaQuiesce`, pos: trustPos } } : {}),
    pos,
  };
}
