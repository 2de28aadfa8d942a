// `npm run mutate:units`: the three large clocked units, kept out of `npm run mutate` so that one
// fits an hour on 2 cores: the MAC grid (`hw/systolic-array.ts`), the accumulators and the vector
// unit (docs/MUTATION.md "Scope"). Same settings; its own reports and incremental file.
import { readFileSync } from "node:fs";

const base = JSON.parse(readFileSync(new URL("./stryker.config.json", import.meta.url), "utf8"));
delete base.$schema;
delete base._comment;

export default {
  ...base,
  mutate: ["src/hw/systolic-array.ts", "src/hw/accumulators.ts", "src/hw/vector-unit.ts"],
  incrementalFile: "reports/mutation/units/stryker-incremental.json",
  htmlReporter: { fileName: "reports/mutation/units/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/units/mutation.json" },
};
