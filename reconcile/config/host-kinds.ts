import type { DiagnosticSink } from "./diag.js";
import type { Merged } from "./merge.js";
import type { InstanceSpec } from "./types.js";
import { keyPath } from "./names.js";

/**
 * Instance keys that mean something on one kind of host only: a libvirt domain is sized by
 * memory and vcpus, a Nova server by its flavor and placed on networks. Writing the other kind's
 * keys is an error rather than silently ignored. Runs after each instance knows its host.
 */
export function checkHostKinds(merged: Merged, sink: DiagnosticSink): void {
  for (const instance of Object.values(merged.instances)) {
    const host = merged.hosts[instance.host];
    if (host === undefined) continue;
    const where = keyPath("instances", instance.name);
    if (host.kind === "openstack") {
      for (const key of ["memory", "vcpus", "fsfreezeHooks"] as const) {
        const pos = instance.written?.[key];
        if (pos === undefined) continue;
        const what =
          key === "fsfreezeHooks"
            ? "frost installs fsfreeze hooks through libvirt's agent channel, which it does not drive on a Nova server; install them in the image"
            : "a Nova server is sized by its flavor; write flavor: NAME instead";
        sink.error("config.conflict", pos, `${where}.${key} does not apply to an instance on OpenStack host ${host.name}`, what);
      }
      if (instance.image !== undefined && instance.flavor === undefined) {
        sink.error(
          "config.missing",
          instance.pos,
          `${where} has no flavor:`,
          `a server that frost creates on OpenStack host ${host.name} needs a flavor; add flavor: NAME (see openstack flavor list)`,
        );
      }
      if (instance.adopt) {
        refuseServerKeys(
          instance,
          sink,
          `${where}.KEY does not apply to an adopted server`,
          "frost does not resize or re-network a server it adopts; remove KEY: here",
        );
      }
      continue;
    }
    refuseServerKeys(
      instance,
      sink,
      `${where}.KEY does not apply to an instance on libvirt host ${host.name}`,
      "KEY: is for instances on a kind: openstack host; a libvirt domain is sized with memory: and vcpus:",
    );
  }
}

/** An error at each of `flavor:` and `networks:` the instance wrote (KEY in the texts names the key). */
function refuseServerKeys(instance: InstanceSpec, sink: DiagnosticSink, summary: string, detail: string): void {
  for (const key of ["flavor", "networks"] as const) {
    const pos = instance.written?.[key];
    if (pos !== undefined) sink.error("config.conflict", pos, summary.replace("KEY", key), detail.replace("KEY", key));
  }
}
