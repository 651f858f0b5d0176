import { describe, expect, test } from "vitest";
import { codes, expectDiag, expectValid, loadYaml } from "./helpers.js";

describe("direct kernel boot and host storage settings", () => {
  // kernel and initrd are paths resolved like source (relative to the declaring file); cmdline is kept as written.
  test("kernel, initrd and cmdline of an image", async () => {
    const desired = expectValid(
      await loadYaml(
        "host: { poolPath: /srv/frost-pool, domainType: qemu }\nimages:\n  tiny:\n    source: sys.qcow2\n    format: qcow2\n    kernel: boot/vmlinuz\n    initrd: /boot/initrd.img\n    cmdline: console=ttyS0 quiet\n",
      ),
    );
    const image = desired.images["tiny"];
    expect(image?.kernel).toMatch(/\/boot\/vmlinuz$/);
    expect(image?.kernel?.startsWith("/")).toBe(true);
    expect(image?.initrd).toBe("/boot/initrd.img");
    expect(image?.cmdline).toBe("console=ttyS0 quiet");
    expect(desired.hosts["default"]).toMatchObject({ poolPath: "/srv/frost-pool", domainType: "qemu" });
  });

  test("domainType defaults to kvm, and poolPath to none", async () => {
    const desired = expectValid(await loadYaml("host: {}\n"));
    expect(desired.hosts["default"]?.domainType).toBe("kvm");
    expect(desired.hosts["default"]?.poolPath).toBeUndefined();
  });

  // initrd and cmdline only mean something with a kernel.
  test("initrd without kernel is an error at initrd", async () => {
    expectDiag(
      await loadYaml("host: {}\nimages:\n  tiny:\n    source: a.raw\n    format: raw\n    initrd: i.img\n"),
      "config.value",
      6,
      13,
      "needs kernel",
    );
  });

  test("a relative poolPath and an unknown domainType are errors", async () => {
    const r = await loadYaml("host: { poolPath: pool, domainType: xen }\n");
    expect(codes(r)).toEqual(["config.value", "config.value"]);
  });
});
