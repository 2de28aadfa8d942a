/**
 * The energy block of the human output (src/cli/energy-text.ts), and the energy table reaching the
 * CLI: listed by `tpusim info`, overridden by --set.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { fmtJoules, fmtWatts, formatEnergy } from "../../src/cli/energy-text.js";
import type { EnergyReport } from "../../src/energy/report.js";
import { REPO, ensureBuilt, runCli } from "./helpers.js";

const EXAMPLE = join(REPO, "examples/matmul-4x4.s");

beforeAll(() => ensureBuilt());

describe("energy text", () => {
  it("joules and watts with SI prefixes", () => {
    expect(fmtJoules(1.5)).toBe("1.500 J");
    expect(fmtJoules(0.0123)).toBe("12.300 mJ");
    expect(fmtJoules(4.2e-7)).toBe("420.000 nJ");
    expect(fmtJoules(3e-12)).toBe("3.000 pJ");
    expect(fmtJoules(0)).toBe("0 J");
    expect(fmtWatts(28)).toBe("28.000 W");
    expect(fmtWatts(0.5)).toBe("500.000 mW");
  });

  it("the block: total, per unit of work, power and TOPS/W, then every part with its share", () => {
    const e: EnergyReport = {
      parts: { macArray: 3e-3, unifiedBuffer: 1e-3, accumulators: 0, weightFifo: 0, weightMemory: 0, hostLink: 0, activation: 0, vector: 0, static: 6e-3 },
      totalJ: 10e-3,
      dynamicJ: 4e-3,
      staticPowerW: 12,
      averagePowerW: 20,
      topsPerW: 1.25,
      per: { unit: "training step", count: 4, joules: 2.5e-3 },
    };
    const lines = formatEnergy(e, 700).split("\n");
    expect(lines[0]).toMatch(/^energy\s+10\.000 mJ .*dynamic 4\.000 mJ/);
    expect(lines[1]).toMatch(/^ {2}per training step\s+2\.500 mJ\s+\(4 training steps\)$/);
    expect(lines[2]).toMatch(/average power\s+20\.000 W at 700 MHz \(static 12\.000 W\), 1\.2500 TOPS\/W$/);
    expect(lines.slice(3)).toHaveLength(9);
    expect(lines[3]).toMatch(/^ {2}MAC array\s+3\.000 mJ \(30\.00 %\)$/);
    expect(lines[11]).toMatch(/^ {2}static \(idle\)\s+6\.000 mJ \(60\.00 %\)$/);
  });
});

describe("the energy table on the command line", () => {
  it("tpusim info lists every entry for every preset", async () => {
    const r = await runCli(["info"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^energyMacInt8Pj\s+0\.3\s+0\.3\s+0\.3$/m);
    expect(r.stdout).toMatch(/^staticPowerOtherW\s+11\.48\s+11\.48\s+11\.48$/m);
    expect(r.stdout).toMatch(/docs\/ENERGY\.md/);
    // Derived per preset: tpu-v1's static power is the 28 W it is calibrated to.
    expect(r.stdout).toMatch(/^staticPowerW\s+28\s/m);
  });

  it("run prints the energy block; --set changes the parts it names and nothing else", async () => {
    const base = await runCli(["run", EXAMPLE, "--array", "4x4"]);
    const hot = await runCli(["run", EXAMPLE, "--array", "4x4", "--set", "energyWeightMemory64bPj=3900"]);
    expect(base.code, base.stderr).toBe(0);
    expect(hot.code, hot.stderr).toBe(0);
    const part = (out: string, label: string) => new RegExp(`^  ${label}\\s+(\\S+ \\S+)`, "m").exec(out)?.[1];
    // 32 bytes from weight memory at 1950 (then 3900) pJ per 8 bytes.
    expect(part(base.stdout, "weight memory")).toBe("7.800 nJ");
    expect(part(hot.stdout, "weight memory")).toBe("15.600 nJ");
    expect(part(hot.stdout, "MAC array")).toBe(part(base.stdout, "MAC array"));
    expect(part(hot.stdout, "static \\(idle\\)")).toBe(part(base.stdout, "static \\(idle\\)"));
  });
});
