import { describe, expect, it } from "vitest";
import { codes, expectDiag, loadYaml } from "./helpers.js";

describe("OpenStack hosts in the configuration", () => {
  it("reads a cloud, its compute hosts, and servers with a flavor and networks", async () => {
    const r = await loadYaml(`hosts:
  cloud:
    kind: openstack
    cloud: frost-lab
    owner: team-a
    compute: { frost-lab: "qemu:///system" }
images:
  guest: { source: /dev/null, format: qcow2, properties: { hw_qemu_guest_agent: yes } }
instances:
  web: { host: cloud, image: guest, flavor: frost.tiny, networks: [frost-net] }
  db: { host: cloud, image: guest, flavor: frost.tiny, networks: none }
  old: { host: cloud, adopt: true, quiesce: required }
`);
    expect(r.diagnostics).toEqual([]);
    expect(r.desired?.hosts["cloud"]).toMatchObject({
      kind: "openstack",
      cloud: "frost-lab",
      uri: "openstack:frost-lab",
      owner: "team-a",
      compute: { "frost-lab": "qemu:///system" },
    });
    expect(r.desired?.instances["web"]).toMatchObject({ flavor: "frost.tiny", networks: ["frost-net"] });
    expect(r.desired?.instances["db"]?.networks).toBe("none");
  });

  it("labels a host without cloud: by the OS_* variables", async () => {
    const r = await loadYaml("host: { kind: openstack }\n");
    expect(r.desired?.hosts["default"]?.uri).toBe("openstack:OS_*");
  });

  it("refuses libvirt keys on an OpenStack host and OpenStack keys on a libvirt host, at their lines", async () => {
    const r = await loadYaml(`hosts:
  cloud:
    kind: openstack
    uri: qemu:///system
  kvm:
    cloud: frost-lab
`);
    expectDiag(r, "config.conflict", 4, 5, "hosts.cloud.uri does not apply to a host of kind openstack", "clouds.yaml");
    expectDiag(r, "config.conflict", 6, 5, "hosts.kvm.cloud does not apply to a host of kind libvirt", "kind: openstack");
  });

  it("reads trustNovaQuiesce with its place in the configuration, and leaves it unset by default", async () => {
    const r = await loadYaml(`hosts:
  cloud:
    kind: openstack
    trustNovaQuiesce: true
  other: { kind: openstack, trustNovaQuiesce: false }
  plain: { kind: openstack }
`);
    expect(r.diagnostics).toEqual([]);
    expect(r.desired?.hosts["cloud"]?.trustNovaQuiesce).toEqual({
      key: "hosts.cloud.trustNovaQuiesce",
      pos: expect.objectContaining({ line: 4, col: 5 }),
    });
    expect(r.desired?.hosts["other"]?.trustNovaQuiesce).toBeUndefined();
    expect(r.desired?.hosts["plain"]?.trustNovaQuiesce).toBeUndefined();
    const single = await loadYaml("host: { kind: openstack, trustNovaQuiesce: true }\n");
    expect(single.desired?.hosts["default"]?.trustNovaQuiesce?.key).toBe("host.trustNovaQuiesce");
  });

  it("checks trustNovaQuiesce like every key: a boolean, OpenStack hosts only, misspellings suggested", async () => {
    const r = await loadYaml(`hosts:
  cloud:
    kind: openstack
    trustNovaQuiesce: "yes"
  kvm:
    trustNovaQuiesce: true
  typo:
    kind: openstack
    trustNovaQuiesc: true
`);
    expectDiag(r, "config.type", 4, 23, "hosts.cloud.trustNovaQuiesce must be true or false", "write true");
    expectDiag(r, "config.conflict", 6, 5, "hosts.kvm.trustNovaQuiesce does not apply to a host of kind libvirt", "kind: openstack");
    expectDiag(r, "config.unknown-key", 9, 5, 'did you mean "trustNovaQuiesce"?');
  });

  it("refuses memory and fsfreeze hooks on a server, and flavor or networks on a domain", async () => {
    const r = await loadYaml(`hosts:
  cloud: { kind: openstack }
  kvm: {}
images:
  guest: { source: /dev/null, format: qcow2 }
instances:
  web:
    host: cloud
    image: guest
    flavor: frost.tiny
    memory: 512MiB
  dom:
    host: kvm
    image: guest
    flavor: frost.tiny
`);
    expectDiag(r, "config.conflict", 11, 5, "instances.web.memory does not apply to an instance on OpenStack host cloud", "flavor: NAME");
    expectDiag(r, "config.conflict", 15, 5, "instances.dom.flavor does not apply to an instance on libvirt host kvm");
  });

  it("asks for a flavor for a server frost creates", async () => {
    const r = await loadYaml(`host: { kind: openstack }
images:
  guest: { source: /dev/null, format: qcow2 }
instances:
  web: { image: guest }
`);
    expectDiag(r, "config.missing", 5, 3, "instances.web has no flavor:", "openstack flavor list");
  });

  it("refuses a bad cloud name, a bad compute URI and an unknown kind", async () => {
    const r = await loadYaml(`hosts:
  a: { kind: openstack, cloud: "no spaces", compute: { h1: "not a uri" } }
  b: { kind: vmware }
`);
    expect(codes(r)).toEqual(expect.arrayContaining(["config.name", "config.value"]));
    expect(r.diagnostics.some((d) => d.summary.includes("vmware"))).toBe(true);
  });

  it("refuses image properties that are Glance's own attributes or frost's records", async () => {
    const r = await loadYaml(`host: { kind: openstack }
images:
  guest:
    source: /dev/null
    format: qcow2
    properties:
      visibility: public
      os_glance_import_method: web-download
      frost_image: other
      hw_disk_bus: virtio
`);
    expectDiag(
      r,
      "config.property-reserved",
      7,
      7,
      "images.guest.properties.visibility is not an image property",
      "Glance's own attributes",
    );
    expectDiag(r, "config.property-reserved", 8, 7, "os_glance_import_method");
    expectDiag(r, "config.property-reserved", 9, 7, "frost's own records");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toHaveLength(3);
  });
});
