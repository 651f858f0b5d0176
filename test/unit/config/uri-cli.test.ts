import { access, chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { frost } from "../../support/cli.js";
import { configDir } from "./helpers.js";

// End to end through the built binary (npm run build first), with no lab: a configuration or a
// command line whose libvirt URI would run a program is refused, and the program never runs.
describe("a libvirt URI that would run a program, through the CLI", () => {
  /** A directory with a script that leaves a marker file when run, and the marker's path. */
  async function trap(): Promise<{ dir: string; script: string; marker: string }> {
    const dir = await configDir({});
    const marker = join(dir, "ran");
    const script = join(dir, "x.sh");
    await writeFile(script, `#!/bin/sh\ntouch ${marker}\n`);
    await chmod(script, 0o755);
    return { dir, script, marker };
  }

  const absent = (path: string) =>
    access(path).then(
      () => false,
      () => true,
    );

  it.each(["validate", "plan"])("frost %s refuses qemu+ext://…?command= at its position and runs nothing", async (command) => {
    const { dir, script, marker } = await trap();
    const config = join(dir, "frost.yaml");
    await writeFile(config, `host:\n  uri: "qemu+ext:///system?command=${script}"\n`);
    const r = await frost([command, "-c", config], { env: { FROST_STATE_DIR: join(dir, "state") } });
    expect(await absent(marker), "the script named in the URI ran").toBe(true);
    expect(r.code).toBe(1);
    expect(r.stderr + r.stdout).toContain(`${config}:2:8: error:`);
    expect(r.stderr + r.stdout).toContain("ext transport");
  });

  it("frost plan refuses an ssh command= override on a compute host and runs nothing", async () => {
    const { dir, script, marker } = await trap();
    const config = join(dir, "frost.yaml");
    await writeFile(config, `host:\n  kind: openstack\n  compute:\n    cmp1: "qemu+ssh://cmp1/system?command=${script}"\n`);
    const r = await frost(["plan", "-c", config], { env: { FROST_STATE_DIR: join(dir, "state") } });
    expect(await absent(marker), "the script named in the URI ran").toBe(true);
    expect(r.code).toBe(1);
    expect(r.stderr + r.stdout).toContain(`${config}:4:11: error:`);
    expect(r.stderr + r.stdout).toContain("command=");
  });

  it("frost import --uri refuses it and runs nothing", async () => {
    const { dir, script, marker } = await trap();
    const r = await frost(["import", "--uri", `qemu+ext:///system?command=${script}`], { cwd: dir });
    expect(await absent(marker), "the script named in the URI ran").toBe(true);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--uri:");
    expect(r.stderr).toContain("ext transport");
  });
});
