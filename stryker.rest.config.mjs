// `npm run mutate:rest`: the part of src/sim and src/hw that `npm run mutate` (stryker.config.json)
// leaves out to bring it near an hour on 2 cores: the controller's run loop, the datapath's wiring,
// the MAC row kernels, fast mode's counters, decoding, loading, operand checks, fault reports, the
// host queue, statistics, replayed runs, traced runs and fast mode's data movers (docs/MUTATION.md
// "Scope"). Same settings; its own reports and incremental file, so the two runs do not overwrite
// each other's.
import { readFileSync } from "node:fs";

const base = JSON.parse(readFileSync(new URL("./stryker.config.json", import.meta.url), "utf8"));
delete base.$schema;
delete base._comment;

export default {
  ...base,
  mutate: [
    "src/sim/**/*.ts",
    "src/hw/pe-rows.ts",
    "src/hw/tpu.ts",
    // In `npm run mutate`:
    "!src/sim/timing.ts",
    "!src/sim/hazards.ts",
    "!src/sim/events.ts",
    "!src/sim/fast-step.ts",
    "!src/sim/fast-units.ts",
    "!src/sim/issue.ts",
    // Never mutated (docs/MUTATION.md "Setup"): WebAssembly kernels and trace output.
    "!src/sim/pass-kernels.ts",
    "!src/sim/pass-kernel-code.ts",
    "!src/sim/trace.ts",
    "!src/sim/trace-fill.ts",
    "!src/sim/pe-probe.ts",
    "!src/sim/describe.ts",
  ],
  incrementalFile: "reports/mutation/rest/stryker-incremental.json",
  htmlReporter: { fileName: "reports/mutation/rest/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/rest/mutation.json" },
};
