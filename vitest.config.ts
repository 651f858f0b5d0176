import { defineConfig } from "vitest/config";

// Two projects: unit (pure logic and a fake hypervisor, fast) and lab: contract (the same cases
// against the fake and the real libvirt driver) and integration (the built `frost` binary against
// the real lab). The lab project's global setup brings the lab up and fails loudly when it cannot.
export default defineConfig({
  test: {
    reporters: ["default", "./test/support/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        // One project, files one at a time: the suites share the lab, and a reset in one must never
        // pull a domain from under another.
        test: {
          name: "lab",
          include: ["test/contract/**/*.test.ts", "test/integration/**/*.test.ts"],
          globalSetup: ["test/support/lab-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
