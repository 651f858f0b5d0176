import fsp from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BLOCK_BEGIN } from "../../../reconcile/providers/libvirt/host/apparmor-block.js";
import { realFs, type WriteFs } from "../../../reconcile/providers/libvirt/host/atomic-write.js";
import {
  ABSTRACTION,
  applyOn,
  changeOf,
  DEBIAN_ABSTRACTION,
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

/** The real file system, except that `call` fails with `code` (as a read-only mount or a full disk would). */
function failing(call: keyof WriteFs, code: string, when: (p: string) => boolean = () => true): WriteFs {
  const fail = (p: string) => Object.assign(new Error(`${code}: simulated, '${p}'`), { code });
  return {
    ...realFs,
    [call]: async (...args: unknown[]) => {
      if (when(String(args[0]))) throw fail(String(args[0]));
      return (realFs[call] as (...a: unknown[]) => Promise<unknown>)(...args);
    },
  } as WriteFs;
}

describe("AppArmor apply when things go wrong: the original file is never half-written", () => {
  // Tests run as root, for whom chmod 0444 stops nothing, and tmpfs has no chattr +i: a read-only
  // file system is simulated by failing the file-system call itself (the seam apply writes through).
  it("reports a read-only file system at the temporary file, leaving the file and directory as they were", async () => {
    await world.withDebianAbstraction();
    const { runner } = recordingRunner();
    const change = changeOf(await planOn(world, spec("true"), runner));
    const fs = failing("open", "EROFS", (p) => p.includes(".frost-tmp-"));
    await expect(applyOn(world, change, runner, fs)).rejects.toThrow(
      /cannot write a backup beside .*: the file system is read-only.*was not changed/,
    );
    expect((await world.read()).equals(DEBIAN_ABSTRACTION)).toBe(true);
    expect(await world.list()).toEqual(["libvirt-qemu"]);
  });

  it("reports a failed rename of the new content, removes its own backup and temporary file, and converges on a re-run", async () => {
    await world.withDebianAbstraction();
    const { runner } = recordingRunner();
    const change = changeOf(await planOn(world, spec("true"), runner));
    await expect(applyOn(world, change, runner, failing("rename", "EROFS"))).rejects.toThrow(
      /cannot write \/etc\/apparmor.d\/abstractions\/libvirt-qemu: the file system is read-only/,
    );
    expect((await world.read()).equals(DEBIAN_ABSTRACTION)).toBe(true);
    expect(await world.list()).toEqual(["libvirt-qemu"]);
    // The next plan proposes the same change, and applying it works.
    const again = changeOf(await planOn(world, spec("true"), runner));
    expect(again).toEqual(change);
    await applyOn(world, again, runner);
    expect((await planOn(world, spec("true"), runner)).change).toBeUndefined();
  });

  it("reports a full disk while writing the new content without touching the file", async () => {
    // The second temporary file is the new content (the first is the backup).
    await world.withDebianAbstraction();
    const { runner } = recordingRunner();
    const change = changeOf(await planOn(world, spec("true"), runner));
    let opened = 0;
    const fs = failing("open", "ENOSPC", (p) => p.includes(".frost-tmp-") && ++opened === 2);
    await expect(applyOn(world, change, runner, fs)).rejects.toThrow(/no space left on the device/);
    expect((await world.read()).equals(DEBIAN_ABSTRACTION)).toBe(true);
    expect(await world.list()).toEqual(["libvirt-qemu"]);
  });

  it("plans an error, and no change, when the abstraction path is a directory", async () => {
    await fsp.mkdir(world.path(ABSTRACTION), { recursive: true });
    const p = await planOn(world, spec("true"), recordingRunner().runner);
    expect(p).toEqual({ remarks: [], errors: [`${ABSTRACTION}: it is a directory, not a file`] });
  });

  it("plans an error for a symbolic link rather than replacing the link with a file", async () => {
    await world.file("/usr/share/libvirt-qemu", DEBIAN_ABSTRACTION);
    await fsp.mkdir(world.path("/etc/apparmor.d/abstractions"), { recursive: true });
    await fsp.symlink(world.path("/usr/share/libvirt-qemu"), world.path(ABSTRACTION));
    const p = await planOn(world, spec("true"), recordingRunner().runner);
    expect(p.errors).toEqual([expect.stringMatching(/is a symbolic link; frost rewrites only regular files/)]);
  });

  it("plans an error for a file that is not UTF-8, which it could not keep byte for byte", async () => {
    await world.file(ABSTRACTION, Buffer.concat([DEBIAN_ABSTRACTION, Buffer.from([0x23, 0xff, 0x0a])]));
    const p = await planOn(world, spec("true"), recordingRunner().runner);
    expect(p.errors).toEqual([expect.stringMatching(/not valid UTF-8/)]);
  });

  it("refuses when the file changed between plan and apply, and keeps the other writer's content", async () => {
    await world.withDebianAbstraction();
    const { runner } = recordingRunner();
    const change = changeOf(await planOn(world, spec("true"), runner));
    const edited = Buffer.concat([DEBIAN_ABSTRACTION, Buffer.from("  /srv/new r,\n")]);
    await world.file(ABSTRACTION, edited);
    await expect(applyOn(world, change, runner)).rejects.toThrow(/changed since the plan .* was not changed; run plan again/);
    expect((await world.read()).equals(edited)).toBe(true);
    expect(await world.list()).toEqual(["libvirt-qemu"]);
  });

  it("plans an error for a damaged block (BEGIN without END) instead of guessing where it ends", async () => {
    await world.file(ABSTRACTION, Buffer.concat([DEBIAN_ABSTRACTION, Buffer.from(`${BLOCK_BEGIN}\n  ${SOCK_RULE}\n`)]));
    const p = await planOn(world, spec("true"), recordingRunner().runner);
    const line = DEBIAN_ABSTRACTION.toString().split("\n").length;
    expect(p.change).toBeUndefined();
    expect(p.errors).toEqual([
      `${ABSTRACTION}:${line}: damaged frost block: the frost block that begins here has no "# END frost managed rules" line; repair or remove the block markers by hand, frost will not guess`,
    ]);
  });

  it("puts the previous content back when a profile reload fails, and reloads the profiles already reloaded", async () => {
    await world.withDebianAbstraction({ mode: 0o644 });
    await world.withAppArmorEnabled();
    for (const id of ["1111", "2222"])
      await world.file(`/etc/apparmor.d/libvirt/libvirt-${id}`, `profile libvirt-${id} {\n  #include <abstractions/libvirt-qemu>\n}\n`);
    const { runner, reloads } = recordingRunner({
      reload: (file) =>
        file.endsWith("2222")
          ? { code: 1, stderr: `AppArmor parser error for ${file} in profile ${file} at line 2: Could not open 'abstractions/base'\n` }
          : { code: 0 },
    });
    const change = changeOf(await planOn(world, spec("auto"), runner));
    await expect(applyOn(world, change, runner)).rejects.toThrow(
      "reloading /etc/apparmor.d/libvirt/libvirt-2222 failed: Could not open 'abstractions/base'; the previous content was put back",
    );
    expect((await world.read()).equals(DEBIAN_ABSTRACTION)).toBe(true);
    expect(await world.list()).toEqual(["libvirt-qemu"]);
    const one = world.path("/etc/apparmor.d/libvirt/libvirt-1111");
    expect(reloads()).toEqual([one, world.path("/etc/apparmor.d/libvirt/libvirt-2222"), one]);
  });
});
