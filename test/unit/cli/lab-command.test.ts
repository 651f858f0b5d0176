import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CommandDeps } from "../../../cmd/deps.js";
import { main } from "../../../cmd/main.js";
import type { Processes } from "../../../reconcile/process/run.js";
import { packageRoot } from "../../../reconcile/version.js";
import { testEnv } from "../../support/env.js";
import { testInterrupt } from "../../support/test-interrupt.js";

/** Runs `frost lab …` with the lab script's process replaced by `attached`. */
async function lab(argv: string[], attached: Processes["attached"]) {
  const out: string[] = [];
  const err: string[] = [];
  const started: string[][] = [];
  const processes: Processes = {
    run: () => Promise.reject(new Error("frost lab runs no other program")),
    session: () => {
      throw new Error("frost lab opens no session");
    },
    attached: (program, args) => {
      started.push([program, ...args]);
      return attached(program, args);
    },
  };
  const deps: CommandDeps = {
    ...testEnv(),
    processes,
    io: {
      out: (t) => void out.push(t),
      err: (t) => void err.push(t),
      interactive: false,
      stderrIsTty: false,
      color: false,
      ask: async () => "",
      onClosed: () => {},
    },
    interrupt: testInterrupt(),
  };
  const code = await main(["lab", ...argv], deps);
  return { code, out: out.join(""), err: err.join(""), started };
}

describe("frost lab", () => {
  const script = join(packageRoot(), "lab", "lab.sh");

  it("runs the project's lab script with bash, attached to the terminal, and passes its exit status through", async () => {
    const r = await lab(["status"], async () => 3);
    expect(r.started).toEqual([["bash", script, "status"]]);
    expect(r.code).toBe(3);
    expect((await lab(["up", "--openstack"], async () => 0)).started).toEqual([["bash", script, "up", "--openstack"]]);
  });

  it("says what could not be run when bash cannot be started", async () => {
    const r = await lab(["up"], () => Promise.reject(Object.assign(new Error("spawn bash ENOENT"), { code: "ENOENT" })));
    expect(r.code).toBe(1);
    expect(r.err).toBe(`cannot run ${script}: spawn bash ENOENT\n`);
  });

  it("runs nothing for an unknown subcommand, and prints its usage", async () => {
    const r = await lab(["up", "--everything"], async () => 0);
    expect(r.started).toEqual([]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("Usage: frost lab up [--openstack]|down|status|reset");
  });
});
