/**
 * `frost plan` over 10, 50 and 200 defined domains (2 running lab guests with an agent, the rest
 * shut off with disks that do not exist), whole process (Node start-up included) and its peak RSS
 * (/usr/bin/time's %M), against two shell baselines that gather the same facts with virsh:
 *
 *   per-question  `virsh list --name --state-running`, then one virsh process per question:
 *                 `dumpxml D`, `snapshot-list D --name`, and for running D
 *                 `qemu-agent-command D '{"execute":"guest-ping"}'`, each into a file of its own
 *   floor         the same listing, then every question in ONE virsh process (`;`-separated, with
 *                 `echo` markers between the answers) into one file
 *
 * Runs are interleaved (each round starts with another method), after one discarded warm-up round.
 *
 * Usage: node dist/bench/plan-scale.js [--runs 5]
 */
import { readFile, writeFile } from "node:fs/promises";
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
  rotate,
  run,
  summary,
  tempDir,
  URI,
  withCleanup,
} from "./lib.js";

export const SIZES = [10, 50, 200] as const;
const RUNNING = ["t-bench-run1", "t-bench-run2"];
type Method = "frost" | "perQuestion" | "floor";

export interface PlanScaleResult {
  runs: number;
  /** Wall time per size and method, ms. */
  wall: Record<number, Record<Method, number[]>>;
  /** frost's peak RSS per size, MB. */
  rss: Record<number, number[]>;
}

export async function planScale(options: { runs: number; log?: (s: string) => void }): Promise<PlanScaleResult> {
  const log = options.log ?? ((s: string) => process.stderr.write(s + "\n"));
  const max = Math.max(...SIZES);
  const off = Array.from({ length: max - RUNNING.length }, (_, i) => `t-bench-${String(i).padStart(3, "0")}`);
  log(`plan-scale: defining ${RUNNING.length} running lab domains and ${off.length} shut-off ones`);
  await Promise.all(RUNNING.map((n) => defineLabDomain(n, "channel", "--start", "--wait-agent")));
  await definePlainDomains(off);

  const dir = await tempDir("frost-bench-plan-");
  const scripts = new Map<number, { config: string; perQuestion: string; floor: string; out: string }>();
  for (const n of SIZES) {
    const domains = [...RUNNING, ...off.slice(0, n - RUNNING.length)];
    const config = join(dir, `frost-${n}.yaml`);
    await writeFile(
      config,
      `host:\n  uri: ${URI}\ninstances:\n` + domains.map((d) => `  ${d}:\n    adopt: true\n    agent: true\n`).join(""),
    );
    const out = join(dir, `out-${n}`);
    const list = `running=" $(virsh -q -c ${URI} list --name --state-running | tr '\\n' ' ') "`;
    const perQuestion = join(dir, `per-question-${n}.sh`);
    await writeFile(
      perQuestion,
      `set -u; mkdir -p ${out}; ${list}\nfor d in ${domains.join(" ")}; do\n` +
        `  virsh -q -c ${URI} dumpxml "$d" > ${out}/$d.xml 2>&1\n` +
        `  virsh -q -c ${URI} snapshot-list "$d" --name > ${out}/$d.snap 2>&1\n` +
        `  [[ $running == *" $d "* ]] && virsh -q -c ${URI} qemu-agent-command "$d" '{"execute":"guest-ping"}' > ${out}/$d.ping 2>&1\n` +
        `done\nexit 0\n`,
    );
    const floor = join(dir, `floor-${n}.sh`);
    await writeFile(
      floor,
      `set -u; mkdir -p ${out}; ${list}\nc=""\nfor d in ${domains.join(" ")}; do\n` +
        `  c+="echo @@$d@@xml; dumpxml $d; echo @@$d@@snap; snapshot-list $d --name; "\n` +
        `  [[ $running == *" $d "* ]] && c+="echo @@$d@@ping; qemu-agent-command $d '{\\"execute\\":\\"guest-ping\\"}'; "\n` +
        `done\nvirsh -q -c ${URI} "$c" > ${out}/batch.out 2>&1\nexit 0\n`,
    );
    scripts.set(n, { config, perQuestion, floor, out });
  }

  const result: PlanScaleResult = { runs: options.runs, wall: {}, rss: {} };
  for (const n of SIZES) {
    result.wall[n] = { frost: [], perQuestion: [], floor: [] };
    result.rss[n] = [];
  }
  const methods: Method[] = ["frost", "perQuestion", "floor"];
  for (let round = 0; round <= options.runs; round++) {
    const warmUp = round === 0;
    for (const n of SIZES) {
      const s = scripts.get(n) as { config: string; perQuestion: string; floor: string; out: string };
      for (const method of rotate(methods, round)) {
        if (method === "frost") {
          const rssFile = join(dir, "rss");
          const r = await run("/usr/bin/time", ["-f", "%M", "-o", rssFile, process.execPath, FROST, "plan", "-c", s.config], {
            env: { FROST_STATE_DIR: join(dir, "state") },
          });
          if (r.code !== 0 || !r.stdout.includes("No changes."))
            throw new Error(`frost plan over ${n} domains: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
          if (warmUp) continue;
          result.wall[n]?.frost.push(r.ms);
          result.rss[n]?.push(Number((await readFile(rssFile, "utf8")).trim().split("\n").pop()) / 1024);
        } else {
          const r = await run("bash", [method === "floor" ? s.floor : s.perQuestion]);
          if (r.code !== 0) throw new Error(`${method} over ${n} domains failed: ${r.stderr}`);
          if (!warmUp) result.wall[n]?.[method].push(r.ms);
        }
      }
    }
    if (!warmUp) {
      log(
        `plan-scale: round ${round}/${options.runs}: ` +
          SIZES.map(
            (n) =>
              `N=${n} frost ${fmt(result.wall[n]?.frost.at(-1) ?? NaN, 0)} / floor ${fmt(result.wall[n]?.floor.at(-1) ?? NaN, 0)} / per-question ${fmt(result.wall[n]?.perQuestion.at(-1) ?? NaN, 0)} ms`,
          ).join("; "),
      );
    }
  }
  return result;
}

export function planScaleTable(r: PlanScaleResult): string {
  const med = (n: number, m: Method) => summary(r.wall[n]?.[m] ?? []).median;
  const rows = SIZES.map((n) => {
    const f = summary(r.wall[n]?.frost ?? []);
    return (
      `| ${n} | ${fmt(f.median, 0)} | ${fmt(f.p95, 0)} | ${fmt(summary(r.rss[n] ?? []).median, 0)} | ${fmt(med(n, "floor"), 0)} | ${fmt(med(n, "perQuestion"), 0)} ` +
      `| ${fmt(f.median / med(n, "floor"), 2)} | ${fmt(med(n, "perQuestion") / f.median, 1)} |`
    );
  });
  const slope = (m: Method) => fmt((med(200, m) - med(10, m)) / 190, 2);
  return (
    `| domains | frost plan median (ms) | p95 | frost peak RSS (MB) | batched floor (ms) | one process per question (ms) | frost / floor | per-question / frost |\n` +
    `|---|---|---|---|---|---|---|---|\n` +
    rows.join("\n") +
    `\n\nGrowth from 10 to 200 domains, ms per domain: frost ${slope("frost")}, floor ${slope("floor")}, one process per question ${slope("perQuestion")}.\n`
  );
}

if (isMain(import.meta.url)) {
  await requireLab();
  const r = await withCleanup(() => planScale({ runs: intOption(process.argv.slice(2), "runs", 5) }));
  console.log(`${await machine()}\n\n${planScaleTable(r)}`);
}
