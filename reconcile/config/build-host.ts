import type { DiagnosticSink } from "./diag.js";
import { NAME_RULE_TEXT, nameProblem, showName } from "./names.js";
import { getList, getMap, getScalar, getString, type CheckedMap } from "./tree.js";
import type { AppArmorMode, HostSpec, SourcePos } from "./types.js";
import { checkAbsolutePath, checkAppArmorRule, checkLibvirtUri } from "./values.js";

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

/** Builds one host from its checked settings, filling in defaults and checking URI, pool and AppArmor values. */
export function buildHost(name: string, map: CheckedMap, pos: SourcePos, path: string, sink: DiagnosticSink): HostSpec {
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
    pos,
  };
  if (apparmor === undefined) return spec;
  const manage = getScalar(apparmor, "manage");
  if (manage !== undefined) spec.apparmor.manage = String(manage.value) as AppArmorMode;
  const abstraction = getString(apparmor, "abstraction");
  if (abstraction !== undefined) {
    const p = checkAbsolutePath(abstraction.value);
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
