import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BLOCK_BEGIN, BLOCK_END } from "../../../reconcile/providers/libvirt/host/apparmor-block.js";
import {
  ABSTRACTION,
  applyOn,
  changeOf,
  DEBIAN_ABSTRACTION,
  DEBIAN_TEMPLATE,
  HostRoot,
  planOn,
  recordingRunner,
  SOCK_RULE,
  spec,
} from "./apparmor-world.js";

let world: HostRoot;
beforeEach(async () => {
  world = await HostRoot.create();
});
afterEach(async () => {
  await world.remove();
});

/** A per-domain profile the way virt-aa-helper writes it on an AppArmor host. */
const domainProfile = (uuid: string, include = "#include <abstractions/libvirt-qemu>") =>
  `#include <tunables/global>\n\nprofile libvirt-${uuid} flags=(attach_disconnected) {\n  ${include}\n  #include <libvirt/libvirt-${uuid}.files>\n}\n`;

describe("manage: auto, true and false, and AppArmor in the kernel", () => {
  it("auto on a host without AppArmor plans nothing and says why", async () => {
    await world.withDebianAbstraction();
    const p = await planOn(world, spec("auto"), recordingRunner().runner);
    expect(p).toEqual({
      remarks: [
        "AppArmor is not enabled on this host (no /sys/kernel/security/apparmor); manage: auto leaves abstractions/libvirt-qemu alone",
      ],
      errors: [],
    });
  });

  it("true on a host without AppArmor writes the rules, says they are not enforced, and reloads nothing", async () => {
    await world.withDebianAbstraction();
    await world.file("/etc/apparmor.d/libvirt/libvirt-1111", domainProfile("1111"));
    const { runner, reloads } = recordingRunner();
    const p = await planOn(world, spec("true"), runner);
    expect(changeOf(p)).toMatchObject({ enforced: false, reload: [] });
    expect(changeOf(p).notes).toContain(
      "the rules are not enforced on this host: AppArmor is not enabled (no /sys/kernel/security/apparmor)",
    );
    const result = await applyOn(world, changeOf(p), runner);
    expect(result.reloaded).toEqual([]);
    expect(reloads()).toEqual([]);
    // Once written, the next plan has no change but still says the rules are not enforced.
    expect(await planOn(world, spec("true"), runner)).toEqual({
      remarks: [expect.stringMatching(/are not enforced on this host/)],
      errors: [],
    });
  });

  it("auto with AppArmor enabled reloads exactly the profiles that include the abstraction", async () => {
    // Two domain profiles (one with the newer `include if exists` spelling) include it; libvirtd's
    // profile does not; TEMPLATE.qemu is a template, a disabled profile is not loaded, a backup is not a profile.
    await world.withDebianAbstraction();
    await world.withAppArmorEnabled();
    await world.file("/etc/apparmor.d/libvirt/libvirt-1111", domainProfile("1111"));
    await world.file("/etc/apparmor.d/libvirt/libvirt-2222", domainProfile("2222", "include if exists <abstractions/libvirt-qemu>"));
    await world.file("/etc/apparmor.d/libvirt/libvirt-2222.files", '  "/var/lib/libvirt/images/d.qcow2" rwk,\n');
    await world.file("/etc/apparmor.d/libvirt/TEMPLATE.qemu", DEBIAN_TEMPLATE);
    await world.file("/etc/apparmor.d/libvirt/libvirt-3333.dpkg-old", domainProfile("3333"));
    await world.file(
      "/etc/apparmor.d/usr.sbin.libvirtd",
      "#include <tunables/global>\nprofile libvirtd /usr/sbin/libvirtd {\n  #include <abstractions/base>\n}\n",
    );
    await world.file("/etc/apparmor.d/site-qemu", domainProfile("4444"));
    await world.file("/etc/apparmor.d/disable/site-qemu", "");
    const { runner, calls, reloads } = recordingRunner();
    const p = await planOn(world, spec("auto"), runner);
    expect(changeOf(p)).toMatchObject({
      enforced: true,
      reload: ["/etc/apparmor.d/libvirt/libvirt-1111", "/etc/apparmor.d/libvirt/libvirt-2222"],
    });
    const result = await applyOn(world, changeOf(p), runner);
    expect(result.reloaded).toEqual(["/etc/apparmor.d/libvirt/libvirt-1111", "/etc/apparmor.d/libvirt/libvirt-2222"]);
    expect(reloads()).toEqual([world.path("/etc/apparmor.d/libvirt/libvirt-1111"), world.path("/etc/apparmor.d/libvirt/libvirt-2222")]);
    expect(calls.find((c) => c.args[0] === "-r")).toEqual({
      program: "apparmor_parser",
      args: ["-r", "-T", "--base", world.path("/etc/apparmor.d"), world.path("/etc/apparmor.d/libvirt/libvirt-1111")],
    });
  });

  it("false never touches the file, and leaves an existing frost block there with a remark", async () => {
    const content = Buffer.concat([DEBIAN_ABSTRACTION, Buffer.from(`${BLOCK_BEGIN}\n  ${SOCK_RULE}\n${BLOCK_END}\n`)]);
    await world.file(ABSTRACTION, content);
    await world.withAppArmorEnabled();
    const p = await planOn(world, spec("false", []), recordingRunner().runner);
    expect(p).toEqual({
      remarks: [expect.stringMatching(/^manage: false: frost leaves abstractions\/libvirt-qemu alone, including the frost block/)],
      errors: [],
    });
    expect((await world.read()).equals(content)).toBe(true);
  });

  it("false without a frost block says nothing at all", async () => {
    await world.withDebianAbstraction();
    expect(await planOn(world, spec("false"), recordingRunner().runner)).toEqual({ remarks: [], errors: [] });
  });

  it("true with the abstraction missing is an error that asks about libvirt's AppArmor support; nothing is created", async () => {
    const p = await planOn(world, spec("true"), recordingRunner().runner);
    expect(p).toEqual({
      remarks: [],
      errors: [
        `abstraction file ${ABSTRACTION} is missing: is libvirt's AppArmor support installed? frost adds rules to libvirt's abstraction and does not create it`,
      ],
    });
    expect(await world.list("/").catch(() => [])).toEqual([]);
  });

  it("auto with AppArmor enabled and the abstraction missing is a remark, not an error", async () => {
    // Without libvirt's abstraction there are no libvirt profiles for the rule to matter to.
    await world.withAppArmorEnabled();
    const p = await planOn(world, spec("auto"), recordingRunner().runner);
    expect(p.errors).toEqual([]);
    expect(p.remarks).toEqual([expect.stringMatching(/is missing: is libvirt's AppArmor support installed\?/)]);
  });

  it("remarks a declared rule that the file already has outside frost's block", async () => {
    // Newer libvirt packages may ship the socket rule themselves; frost still manages its own copy.
    await world.file(ABSTRACTION, Buffer.concat([DEBIAN_ABSTRACTION, Buffer.from(`  ${SOCK_RULE}\n`)]));
    const p = await planOn(world, spec("true"), recordingRunner().runner);
    expect(p.remarks).toContain(`apparmor rule "${SOCK_RULE}" is also in abstractions/libvirt-qemu outside frost's block`);
  });
});
