import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkAppArmorRules } from "../../../reconcile/providers/libvirt/host/apparmor-check.js";
import { AppArmorApplyError } from "../../../reconcile/providers/libvirt/host/apparmor-apply.js";
import { planAppArmor } from "../../../reconcile/providers/libvirt/host/apparmor-plan.js";
import { observeAppArmor } from "../../../reconcile/providers/libvirt/host/apparmor-observe.js";
import { applyOn, changeOf, DEBIAN_ABSTRACTION, HostRoot, planOn, recordingRunner, SOCK_RULE, spec } from "./apparmor-world.js";

// These tests run the real apparmor_parser (Debian's `apparmor` package) in parse-only mode.
let world: HostRoot;
beforeEach(async () => {
  world = await HostRoot.create();
  await world.withDebianAbstraction();
});
afterEach(async () => {
  await world.remove();
});

const BAD_RULE = "/var/lib/libvirt/qemu/*.sock rwq,";

describe("checking rules with apparmor_parser before anything is written", () => {
  it("accepts the default rule with apparmor_parser -Q -K -T", async () => {
    const { runner, calls } = recordingRunner();
    expect(await checkAppArmorRules([SOCK_RULE], { runner, root: world.root })).toEqual({ status: "checked", problems: [] });
    expect(calls.at(-1)?.args.slice(0, 3)).toEqual(["-Q", "-K", "-T"]);
  });

  it("pins the parser's complaint on the rule that caused it, among several", async () => {
    const { runner } = recordingRunner();
    const check = await checkAppArmorRules([SOCK_RULE, BAD_RULE, "/run/x r,"], { runner, root: world.root });
    expect(check).toEqual({
      status: "checked",
      problems: [{ rule: BAD_RULE, message: "syntax error, unexpected TOK_ID, expecting TOK_MODE" }],
    });
  });

  it("makes the plan errored, with the parser's words, and plans no change", async () => {
    const { runner } = recordingRunner();
    const p = await planOn(world, spec("true", [SOCK_RULE, BAD_RULE]), runner);
    expect(p.change).toBeUndefined();
    expect(p.errors).toEqual([`apparmor_parser rejects rule "${BAD_RULE}": syntax error, unexpected TOK_ID, expecting TOK_MODE`]);
  });

  it("refuses at apply too (a plan made without a check, or saved earlier), leaving the file untouched", async () => {
    const { runner } = recordingRunner();
    const s = spec("true", [BAD_RULE]);
    const unchecked = planAppArmor(s, await observeAppArmor(s, { root: world.root, runner }));
    const apply = applyOn(world, changeOf(unchecked), runner);
    await expect(apply).rejects.toThrow(AppArmorApplyError);
    await expect(apply).rejects.toThrow(/rejects rule .*rwq.*was not changed/);
    expect((await world.read()).equals(DEBIAN_ABSTRACTION)).toBe(true);
    expect(await world.list()).toEqual(["libvirt-qemu"]);
  });

  it("reports conflicts between rules that each parse alone", async () => {
    // Two different exec modes for one path: each rule is valid, together they are not.
    const { runner } = recordingRunner();
    const check = await checkAppArmorRules(["/usr/bin/foo ix,", "/usr/bin/foo px,"], { runner, root: world.root });
    expect(check.status === "checked" && check.problems).toEqual([
      { message: expect.stringMatching(/conflicting x modifiers.*only together with the other rules/) },
    ]);
  });

  it("without the parser, writes the rules and says they were not checked", async () => {
    const { runner } = recordingRunner({ parser: "absent" });
    const p = await planOn(world, spec("true"), runner);
    expect(changeOf(p).notes).toContain("rules not checked: apparmor_parser is not installed (the apparmor package provides it)");
    const result = await applyOn(world, changeOf(p), runner);
    expect(result.notes).toEqual(["rules not checked: apparmor_parser is not installed (the apparmor package provides it)"]);
    expect((await world.read()).toString()).toContain(`  ${SOCK_RULE}\n`);
  });

  it("says the parser is absent in the observation", async () => {
    const { runner } = recordingRunner({ parser: "absent" });
    expect((await observeAppArmor(spec("true"), { root: world.root, runner })).parser).toEqual({
      available: false,
      reason: "apparmor_parser is not installed",
    });
    const real = recordingRunner();
    expect((await observeAppArmor(spec("true"), { root: world.root, runner: real.runner })).parser).toMatchObject({
      available: true,
      version: expect.stringMatching(/^AppArmor parser version/),
    });
  });

  it("lets rules use AppArmor variables when the root has tunables/global", async () => {
    // @{PROC} is defined in tunables/global; the check profile includes it from the root's /etc/apparmor.d.
    const { runner } = recordingRunner();
    const rule = "@{PROC}/*/status r,";
    const without = await checkAppArmorRules([rule], { runner, root: world.root });
    expect(without).toEqual({ status: "checked", problems: [{ rule, message: expect.stringMatching(/variable PROC/) }] });
    await world.file("/etc/apparmor.d/tunables/global", "@{PROC}=/proc/\n");
    expect(await checkAppArmorRules([rule], { runner, root: world.root })).toEqual({ status: "checked", problems: [] });
  });
});
