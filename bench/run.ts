/**
 * `npm run bench`: every benchmark, one after the other on the lab (each removes its domains before
 * the next starts), then one Markdown table of the targets and the detailed tables.
 *
 * Usage: node dist/bench/run.js [--freeze-runs 20] [--plan-runs 5] [--watch-runs 12] [--no-prototypes]
 */
import { cleanup, fmt, intOption, machine, requireLab, summary, withCleanup } from "./lib.js";
import { freezeTable, freezeWindow, pairedRatio, type FreezeResult } from "./freeze-window.js";
import { planScale, planScaleTable, type PlanScaleResult } from "./plan-scale.js";
import { watchLatency, watchTable, type WatchResult } from "./watch-latency.js";

const argv = process.argv.slice(2);
await requireLab();
const started = Date.now();
const { plan, watch, freeze } = await withCleanup(async () => {
  const plan = await planScale({ runs: intOption(argv, "plan-runs", 5) });
  await cleanup();
  const watch = await watchLatency({ runs: intOption(argv, "watch-runs", 12) });
  await cleanup();
  const freeze = await freezeWindow({ runs: intOption(argv, "freeze-runs", 20), prototypes: !argv.includes("--no-prototypes") });
  return { plan, watch, freeze };
});

console.log(`## frost benchmarks\n\n${await machine()}; the benchmarks took ${Math.round((Date.now() - started) / 1000)} s.\n`);
console.log(targets(plan, watch, freeze));
console.log(`### Freeze window (ms, seen in the guest)\n\n${freezeTable(freeze)}`);
console.log(`### frost plan at scale\n\n${planScaleTable(plan)}`);
console.log(`### frost watch latency\n\n${watchTable(watch)}`);

function targets(plan: PlanScaleResult, watch: WatchResult, freeze: FreezeResult): string {
  const med = (xs: number[] | undefined) => summary(xs ?? []).median;
  const fw = med(freeze.window.frost);
  const lv = med(freeze.window.libvirt);
  const fw95 = summary(freeze.window.frost ?? []).p95;
  const lv95 = summary(freeze.window.libvirt ?? []).p95;
  const p = med(plan.wall[200]?.frost);
  const floor = med(plan.wall[200]?.floor);
  const perQ = med(plan.wall[200]?.perQuestion);
  const rss = Math.max(...(plan.rss[200] ?? []));
  const w = summary(watch.latency);
  const yes = (ok: boolean) => (ok ? "yes" : "**no**");
  const rows = [
    `| freeze window, median (ms, in the guest) | ${fmt(fw)} | ${fmt(lv)} (libvirt --quiesce) | ${fmt(fw / lv, 2)}× | ≤ 0.85× | ${yes(fw / lv <= 0.85)} |`,
    `| freeze window, p95 (ms) | ${fmt(fw95)} | ${fmt(lv95)} (libvirt --quiesce) | ${fmt(fw95 / lv95, 2)}× | - | - |`,
    `| freeze window, median of per-round ratios | - | - | ${fmt(pairedRatio(freeze, "frost"), 2)}× | ≤ 0.85× | ${yes(pairedRatio(freeze, "frost") <= 0.85)} |`,
    ...(freeze.window.reuse
      ? [
          `| (prototype) freeze window with overlays made before the freeze, median (ms) | ${fmt(med(freeze.window.reuse))} | ${fmt(lv)} (libvirt --quiesce) | ${fmt(med(freeze.window.reuse) / lv, 2)}× | ≤ 0.85× | ${yes(med(freeze.window.reuse) / lv <= 0.85)} |`,
        ]
      : []),
    `| plan, 200 domains, median wall (ms) | ${fmt(p, 0)} | ${fmt(floor, 0)} (batched virsh floor) | ${fmt(p / floor, 2)}× | ≤ 2× | ${yes(p / floor <= 2)} |`,
    `| plan, 200 domains, speed-up over one virsh per question | ${fmt(p, 0)} | ${fmt(perQ, 0)} (one process per question) | ${fmt(perQ / p, 1)}× faster | ≥ 15× | ${yes(perQ / p >= 15)} |`,
    `| plan, 200 domains, peak RSS (MB, max of runs) | ${fmt(rss, 0)} | - | - | < 120 | ${yes(rss < 120)} |`,
    `| watch, write -> new plan, median (ms) | ${fmt(w.median, 0)} | - | - | ≤ 300 | ${yes(w.median <= 300)} |`,
    `| watch, write -> new plan, p95 (ms) | ${fmt(w.p95, 0)} | - | - | ≤ 300 | ${yes(w.p95 <= 300)} |`,
  ];
  return `| metric | frost | baseline | ratio | target | met? |\n|---|---|---|---|---|---|\n${rows.join("\n")}\n`;
}
