import fsp from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BLOCK_BEGIN, BLOCK_END } from "../../../reconcile/providers/libvirt/host/apparmor-block.js";
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

const block = (...rules: string[]) => Buffer.from(`${BLOCK_BEGIN}\n${rules.map((r) => `  ${r}\n`).join("")}${BLOCK_END}\n`);

describe("the AppArmor rule block through observe, plan and apply", () => {
  it("inserts the block into Debian's abstraction, the rest byte for byte, and then plans nothing", async () => {
    // The whole cycle on the real Debian file: one rule added, then the plan against the result is empty.
    await world.withDebianAbstraction();
    const { runner } = recordingRunner();
    const p = await planOn(world, spec("true"), runner);
    expect(changeOf(p)).toMatchObject({
      action: "create",
      add: [SOCK_RULE],
      remove: [],
      lines: [`+ apparmor rule "${SOCK_RULE}" in abstractions/libvirt-qemu`],
    });
    await applyOn(world, changeOf(p), runner);
    expect((await world.read()).equals(Buffer.concat([DEBIAN_ABSTRACTION, block(SOCK_RULE)]))).toBe(true);
    const again = await planOn(world, spec("true"), runner);
    expect(again.change).toBeUndefined();
    expect(again.errors).toEqual([]);
  });

  it("updates the block when the rules change, adding and removing exactly the difference", async () => {
    // Operator-written lines after frost's block stay where they are.
    const tail = Buffer.from("  # local addition\n  /srv/images/** r,\n");
    await world.file(ABSTRACTION, Buffer.concat([DEBIAN_ABSTRACTION, block(SOCK_RULE, "/run/old r,"), tail]));
    const { runner } = recordingRunner();
    const p = await planOn(world, spec("true", [SOCK_RULE, "/run/new rw,"]), runner);
    expect(changeOf(p)).toMatchObject({
      action: "update",
      add: ["/run/new rw,"],
      remove: ["/run/old r,"],
      lines: ['+ apparmor rule "/run/new rw," in abstractions/libvirt-qemu', '- apparmor rule "/run/old r," in abstractions/libvirt-qemu'],
    });
    await applyOn(world, changeOf(p), runner);
    expect((await world.read()).equals(Buffer.concat([DEBIAN_ABSTRACTION, block(SOCK_RULE, "/run/new rw,"), tail]))).toBe(true);
    expect((await planOn(world, spec("true", [SOCK_RULE, "/run/new rw,"]), runner)).change).toBeUndefined();
  });

  it("removes the block for rules: [] and leaves Debian's file exactly as shipped", async () => {
    await world.file(ABSTRACTION, Buffer.concat([DEBIAN_ABSTRACTION, block(SOCK_RULE)]));
    const { runner } = recordingRunner();
    const p = await planOn(world, spec("true", []), runner);
    expect(changeOf(p)).toMatchObject({
      action: "delete",
      remove: [SOCK_RULE],
      lines: [`- apparmor rule "${SOCK_RULE}" in abstractions/libvirt-qemu`],
    });
    await applyOn(world, changeOf(p), runner);
    expect((await world.read()).equals(DEBIAN_ABSTRACTION)).toBe(true);
    expect((await planOn(world, spec("true", []), runner)).change).toBeUndefined();
  });

  it("restores a block edited by hand, shown as a rewrite when the rules themselves are unchanged", async () => {
    await world.file(
      ABSTRACTION,
      Buffer.concat([DEBIAN_ABSTRACTION, Buffer.from(`${BLOCK_BEGIN}\n  # my note\n  ${SOCK_RULE}\n${BLOCK_END}\n`)]),
    );
    const { runner } = recordingRunner();
    const p = await planOn(world, spec("true"), runner);
    expect(changeOf(p).lines).toEqual([expect.stringMatching(/^~ frost block in abstractions\/libvirt-qemu rewritten/)]);
    await applyOn(world, changeOf(p), runner);
    expect((await world.read()).equals(Buffer.concat([DEBIAN_ABSTRACTION, block(SOCK_RULE)]))).toBe(true);
  });

  it("keeps the file's owner and mode, and backs up the previous content with the same owner and mode", async () => {
    await world.withDebianAbstraction({ mode: 0o640, uid: 1234, gid: 2345 });
    const { runner } = recordingRunner();
    const result = await applyOn(world, changeOf(await planOn(world, spec("true"), runner)), runner);
    const st = await fsp.stat(world.path(ABSTRACTION));
    expect({ mode: st.mode & 0o7777, uid: st.uid, gid: st.gid }).toEqual({ mode: 0o640, uid: 1234, gid: 2345 });
    expect(result.backup).toBe(world.path(`${ABSTRACTION}.frost-backup-20261125T120000.000Z`));
    expect((await fsp.readFile(result.backup)).equals(DEBIAN_ABSTRACTION)).toBe(true);
    const bst = await fsp.stat(result.backup);
    expect({ mode: bst.mode & 0o7777, uid: bst.uid, gid: bst.gid }).toEqual({ mode: 0o640, uid: 1234, gid: 2345 });
    // Nothing else is left in the directory: no temporary file.
    expect(await world.list()).toEqual(["libvirt-qemu", "libvirt-qemu.frost-backup-20261125T120000.000Z"]);
  });

  it("never overwrites an existing file at the backup name: it takes the next free name", async () => {
    // A file frost did not write (or an earlier backup) sits at the name; it keeps its content.
    await world.withDebianAbstraction();
    await world.file(`${ABSTRACTION}.frost-backup-20261125T120000.000Z`, "someone else's\n");
    const { runner } = recordingRunner();
    const result = await applyOn(world, changeOf(await planOn(world, spec("true"), runner)), runner);
    expect(result.backup).toBe(world.path(`${ABSTRACTION}.frost-backup-20261125T120000.000Z-2`));
    expect((await world.read(`${ABSTRACTION}.frost-backup-20261125T120000.000Z`)).toString()).toBe("someone else's\n");
  });
});
