/**
 * Time from a configuration file's write finishing (`writeFile` resolved) to `frost watch` printing
 * the new plan, on the built binary (`--interval 3600s --apply none`: only edits trigger passes,
 * nothing is applied). The configuration adopts a running lab guest with an agent and a shut-off
 * domain; each edit flips the shut-off domain's `agent:` so that the plan alternates between
 * "1 to change" and "No changes.". Also split: write -> the `pass:` line (the file watcher's
 * stability wait and debounce) and `pass:` -> the plan (reload, observe, plan, render).
 *
 * Usage: node dist/bench/watch-latency.js [--runs 12]
 */
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  defineLabDomain,
  definePlainDomains,
  FROST,
  fmt,
  intOption,
  isMain,
  machine,
  requireLab,
  sleep,
  summary,
  tempDir,
  URI,
  withCleanup,
} from "./lib.js";

const RUNNING = "t-bench-w-run";
const OFF = "t-bench-w-off";

export interface WatchResult {
  /** Write finished -> new plan printed, ms. */
  latency: number[];
  /** Write finished -> `pass:` line printed, ms. */
  toPass: number[];
  /** `pass:` line -> new plan printed, ms. */
  pass: number[];
}

export async function watchLatency(options: { runs: number; log?: (s: string) => void }): Promise<WatchResult> {
  const log = options.log ?? ((s: string) => process.stderr.write(s + "\n"));
  log(`watch-latency: defining ${RUNNING} (running, agent) and ${OFF} (shut off)`);
  await defineLabDomain(RUNNING, "channel", "--start", "--wait-agent");
  await definePlainDomains([OFF]);
  const dir = await tempDir("frost-bench-watch-");
  const cfgDir = join(dir, "config");
  const file = join(cfgDir, "frost.yaml");
  const config = (agent: boolean) =>
    `host:\n  uri: ${URI}\ninstances:\n  ${RUNNING}:\n    adopt: true\n    agent: true\n  ${OFF}:\n    adopt: true\n    agent: ${agent}\n`;
  await mkdir(cfgDir);
  await writeFile(file, config(true));

  const child = spawn(process.execPath, [FROST, "watch", "-c", cfgDir, "--interval", "3600s", "--apply", "none"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", FROST_STATE_DIR: join(dir, "state") },
  });
  let output = "";
  const arrivals: { at: number; end: number }[] = [];
  let waiter: (() => void) | undefined;
  const onData = (b: Buffer) => {
    output += b.toString();
    arrivals.push({ at: performance.now(), end: output.length });
    waiter?.();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));

  /** When `text` first appeared in the output after `from` (the arrival of the chunk that completed it). */
  const appeared = async (text: string, from: number, timeoutMs = 30_000): Promise<number> => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const at = output.indexOf(text, from);
      if (at >= 0) return (arrivals.find((a) => a.end >= at + text.length) as { at: number }).at;
      if (performance.now() > deadline)
        throw new Error(`frost watch did not print "${text}" within ${timeoutMs} ms:\n${output.slice(from)}`);
      await Promise.race([new Promise<void>((r) => (waiter = r)), sleep(100)]);
    }
  };

  const result: WatchResult = { latency: [], toPass: [], pass: [] };
  try {
    await appeared("No changes.", 0, 60_000);
    await appeared("pass done", 0);
    for (let i = 1; i <= options.runs; i++) {
      const agent = i % 2 === 0;
      const expected = agent ? "No changes." : "1 to change";
      const from = output.length;
      await writeFile(file, config(agent));
      const written = performance.now();
      const shown = await appeared(expected, from);
      const passLine = await appeared("pass: ", from);
      result.latency.push(shown - written);
      result.toPass.push(passLine - written);
      result.pass.push(shown - passLine);
      await appeared("pass done", from);
      log(
        `watch-latency: run ${i}/${options.runs}: ${fmt(shown - written, 0)} ms (watcher ${fmt(passLine - written, 0)}, pass ${fmt(shown - passLine, 0)})`,
      );
      await sleep(300);
    }
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
  return result;
}

export function watchTable(r: WatchResult): string {
  const row = (what: string, xs: number[]) => {
    const s = summary(xs);
    return `| ${what} | ${s.n} | ${fmt(s.median, 0)} | ${fmt(s.p95, 0)} | ${fmt(s.min, 0)} | ${fmt(s.max, 0)} |`;
  };
  return (
    "| frost watch (ms) | n | median | p95 | min | max |\n|---|---|---|---|---|---|\n" +
    [
      row("write finished -> new plan printed", r.latency),
      row("write finished -> pass starts (file watcher)", r.toPass),
      row("pass starts -> plan printed", r.pass),
    ].join("\n") +
    "\n"
  );
}

if (isMain(import.meta.url)) {
  await requireLab();
  const r = await withCleanup(() => watchLatency({ runs: intOption(process.argv.slice(2), "runs", 12) }));
  console.log(`${await machine()}\n\n${watchTable(r)}`);
}
