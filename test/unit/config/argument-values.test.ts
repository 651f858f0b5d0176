import { describe, expect, test } from "vitest";
import { expectDiag, expectValid, loadYaml } from "./helpers.js";

// Values from YAML that reach a program's arguments (virsh, qemu-img, apparmor_parser), a file
// frost writes as root, the domain's XML or a file name in the guest: each is held to a rule that
// keeps it one argument, one line and never an option.

describe("host storage and owner", () => {
  // A pool name reaches virsh as the value of --pool; one starting with '-' is refused all the same.
  test("a pool name starting with '-'", async () => {
    expectDiag(await loadYaml('host:\n  pool: "-x"\n'), "config.name", 2, 9, "pool name \"-x\" starts with '-'", "read it as an option");
  });

  // The owner is recorded in the domains frost creates; it is a name.
  test("an owner starting with '-'", async () => {
    expectDiag(await loadYaml('host:\n  owner: "-x"\n'), "config.name", 2, 10, "host.owner: \"-x\" starts with '-'");
  });

  // poolPath reaches virsh pool-define-as --target: one line, no control characters.
  test("a poolPath with a control character", async () => {
    expectDiag(await loadYaml('host:\n  poolPath: "/srv/pool\\u0007"\n'), "config.value", 2, 13, "control character U+0007");
  });
});

describe("the AppArmor abstraction and rules", () => {
  const apparmor = (settings: string) => `host:\n  apparmor:\n${settings}`;
  const rule = (item: string) => apparmor(`    rules:\n      - ${item}\n`);

  // frost writes its block, as root, only into AppArmor's own files: elsewhere a rule line could run as a command.
  test("an abstraction outside /etc/apparmor.d", async () => {
    const r = await loadYaml(apparmor("    abstraction: /root/.bashrc\n"));
    expectDiag(r, "config.value", 3, 18, '"/root/.bashrc" is not in /etc/apparmor.d/', "/etc/apparmor.d/abstractions/libvirt-qemu");
  });

  // A path that climbs out of /etc/apparmor.d through ".." is refused, whatever it starts with.
  test("an abstraction with '..'", async () => {
    expectDiag(await loadYaml(apparmor("    abstraction: /etc/apparmor.d/../cron.d/frost\n")), "config.value", 3, 18, '".." component');
  });

  // A literal block keeps its line breaks: two lines in one item.
  test("a rule written as a literal block over several lines", async () => {
    expectDiag(await loadYaml(rule("|\n        /a rw,\n        /tmp/x.sh rix,")), "config.value", 4, 9, "must be a single line");
  });

  // YAML folds a plain scalar written over several lines into one line: two rules in one item.
  test("two rules folded into one item", async () => {
    const r = await loadYaml(rule("/var/lib/libvirt/qemu/*.sock rw,\n        /tmp/x.sh rix,"));
    expectDiag(r, "config.value", 4, 9, "holds more than one rule", "one rule per list item");
  });

  // A Unicode line separator is a line break too.
  test("a rule with a line separator", async () => {
    expectDiag(await loadYaml(rule('"/a rw,\\u2028/tmp/x.sh rix,"')), "config.value", 4, 9, "must be a single line");
  });

  // An include would have apparmor_parser, run on the rules at plan time, read another file.
  test.each([`'include "/etc/shadow",'`, '"#include <abstractions/base>,"', '"/a r, include <x>,"'])("an include: %s", async (item) => {
    expectDiag(await loadYaml(rule(item)), "config.value", 4, 9, "include directive");
  });

  // A comment is not a rule (frost reads its block back without comments).
  test("a comment", async () => {
    expectDiag(await loadYaml(rule('"/a rw, # note,"')), "config.value", 4, 9, "has a comment");
  });

  // Commas inside alternations, lists and quotes belong to one rule.
  test("one rule with commas inside braces, parentheses and quotes", async () => {
    const r = await loadYaml(
      apparmor(
        '    rules:\n      - "/var/lib/libvirt/qemu/{,**/}*.sock rw,"\n      - "signal (send, receive) set=(hup, term),"\n      - \'"/srv/a, b" r,\'\n',
      ),
    );
    expect(expectValid(r).hosts["default"]?.apparmor.rules).toHaveLength(3);
  });
});

describe("image paths and command line", () => {
  // source, kernel and initrd reach qemu-img, virsh and the domain's XML; cmdline the XML.
  test("control characters in source, kernel, initrd and cmdline", async () => {
    const r = await loadYaml(
      'host: {}\nimages:\n  img:\n    source: "a\\u0007.raw"\n    format: raw\n    kernel: "vmlinuz\\u0001"\n    initrd: "initrd\\u009b"\n    cmdline: "console=ttyS0\\nquiet"\n',
    );
    expectDiag(r, "config.value", 4, 13, "images.img.source contains the control character U+0007");
    expectDiag(r, "config.value", 6, 13, "images.img.kernel contains the control character U+0001");
    expectDiag(r, "config.value", 7, 13, "images.img.initrd contains the control character U+009B");
    expectDiag(r, "config.value", 8, 14, "images.img.cmdline contains the control character U+000A");
  });
});

describe("fsfreeze hook names", () => {
  // A hook name becomes /etc/qemu/fsfreeze-hook.d/NAME in the guest: the rule is anchored at both
  // ends, so no '/' or '..' anywhere, no leading '-' or '.', no trailing line break.
  const hook = (name: string) =>
    `host: {}\nimages:\n  img: { source: a.raw, format: raw }\ninstances:\n  vm:\n    image: img\n    fsfreezeHooks:\n      ${JSON.stringify(name)}: hook.sh\n`;
  test.each(["ok/../../x", "../x", "-x", "x\n", "a b", "10-ok/"])("%j", async (name) => {
    expectDiag(await loadYaml(hook(name)), "config.name", 8, 7, "fsfreeze hook name", "it becomes a file name");
  });
});

describe("OpenStack names", () => {
  // A cloud name selects an entry of clouds.yaml: a name, never an option or a path.
  test.each(["-oX", "a/b"])("cloud %j", async (cloud) => {
    const r = await loadYaml(`hosts:\n  c:\n    kind: openstack\n    cloud: ${JSON.stringify(cloud)}\n`);
    expectDiag(r, "config.name", 4, 12, "is not a cloud name");
  });

  // A compute host's name is a name too.
  test("a compute host starting with '-'", async () => {
    const r = await loadYaml('hosts:\n  c:\n    kind: openstack\n    compute:\n      "-x": qemu:///system\n');
    expectDiag(r, "config.name", 5, 7, "compute: host name \"-x\" starts with '-'");
  });

  // So is a host's own name.
  test("a host named with a leading '-'", async () => {
    expectDiag(await loadYaml('hosts:\n  "-x": {}\n'), "config.name", 2, 3, "host name \"-x\" starts with '-'");
  });
});
