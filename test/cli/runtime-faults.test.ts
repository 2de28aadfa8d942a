/**
 * Issue "Robustness: bad input, faults and long runs lose nothing": a program that goes wrong while
 * it runs stops with a RuntimeFault naming the cycle, the unit and the instruction (exit code 2), in
 * both simulation modes. The programs are in test/fixtures/programs/.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { PROGRAMS, ensureBuilt, expectCliError, inPool, runCli, type CliResult } from "./helpers.js";

const EXIT_RUNTIME_FAULT = 2;
const MODES = ["detailed", "fast"] as const;

interface FaultCase {
  program: string;
  args?: string[];
  /** `cycle N, unit, instruction pc P: TEXT: detail`, the cycle given per mode when it differs. */
  cycle: number | { detailed: number; fast: number };
  unit: string;
  instruction: string;
  detail: RegExp;
}

// The small preset (the default of `tpusim run`): 8x8 bf16 (2 bytes), 16 bytes per cycle on both links.
// overflow-accumulator.s (docs/ARCHITECTURE.md "Timing rules"): RHM of 1x4 = 8 bytes in cycle 0; RDW
// of a 4x4 tile = 32 bytes issues at 1 and lands in cycles 1..2; the shift starts at s = 3 and takes
// R = 8 steps; a switching MMUL may issue at s + R - 1 = 10; its result (0, 0) is written at
// t0 + 0 + R + 0 + 1 = 19, in both modes (fast mode holds the fault it found at issue until then).
const mmulIssue = 3 + 8 - 1;
const overflowCycle = mmulIssue + 8 + 1;

const CASES: Record<string, FaultCase> = {
  "out-of-range unified-buffer address": {
    program: "out-of-range.s",
    cycle: 0,
    unit: "dma",
    instruction: "pc 0: RHM host=0 hstride=4 ub=600000",
    detail: /unified buffer address 600015 out of range \(size 524288\)/,
  },
  "MMUL switch with no tile (weight FIFO underflow)": {
    program: "switch-without-tile.s",
    // The MMUL reads what the RHM writes: the RHM moves 4*4*2 = 32 bytes at 16 per cycle (cycles 0
    // and 1), so the MMUL is free to issue at 2, where it is blocked for good.
    cycle: 2,
    unit: "matrix",
    instruction: "pc 1: MMUL",
    detail: /weight FIFO underflow: MMUL with `switch` but no weight tile is loaded or loading/,
  },
  "a program without HALT": {
    program: "no-halt.s",
    // RHM at 0 and the NOP at 1; at 2 nothing is left to issue.
    cycle: 2,
    unit: "control",
    instruction: "pc 1: NOP",
    detail: /the program ended without HALT/,
  },
  "the --max-cycles watchdog stops a long program": {
    program: "long.s",
    args: ["--max-cycles", "100"],
    cycle: 100,
    unit: "controller",
    instruction: "pc 1: RHM",
    detail: /watchdog: the program did not halt within 100 cycles \(--max-cycles\)/,
  },
  "inf in host data through RHM (bf16)": {
    program: "inf-host.s",
    cycle: 0,
    unit: "dma",
    instruction: "pc 0: RHM",
    detail: /non-finite value written to unified buffer address 2/,
  },
  "nan in host data through RHM (bf16)": {
    program: "nan-host.s",
    cycle: 0,
    unit: "dma",
    instruction: "pc 0: RHM",
    detail: /non-finite value written to unified buffer address 1/,
  },
  "an accumulator overflow in the matrix unit (bf16)": {
    program: "overflow-accumulator.s",
    cycle: overflowCycle,
    unit: "matrix",
    instruction: "pc 2: MMUL",
    detail: /non-finite value written to accumulator row 0, column 0/,
  },
};

const runs = Object.entries(CASES).flatMap(([name, c]) => MODES.map((mode) => ({ name, c, mode })));
const results = new Map<string, CliResult>();

beforeAll(async () => {
  ensureBuilt();
  const out = await inPool(runs, 2, ({ c, mode }) => runCli(["run", join(PROGRAMS, c.program), "--mode", mode, ...(c.args ?? [])]));
  runs.forEach((r, i) => results.set(`${r.name}/${r.mode}`, out[i]));
});

describe("tpusim run stops with cycle, unit and instruction", () => {
  it("the watchdog case really is a long program that halts without the limit", async () => {
    const r = await runCli(["run", join(PROGRAMS, "long.s"), "--mode", "fast", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).cycles).toBeGreaterThan(1000);
  });

  for (const { name, c, mode } of runs) {
    it(`${name} (${mode})`, () => {
      const r = results.get(`${name}/${mode}`) as CliResult;
      const cycle = typeof c.cycle === "number" ? c.cycle : c.cycle[mode];
      const last = expectCliError(r, [`tpusim: cycle ${cycle}, ${c.unit}, instruction ${c.instruction}`, c.detail], EXIT_RUNTIME_FAULT);
      expect(last).toMatch(new RegExp(`^tpusim: cycle \\d+, \\w+, instruction pc \\d+: [A-Z]+\\b.*: .+`));
      expect(r.stdout).toBe("");
    });
  }

  it("with --json a fault still prints nothing on stdout", async () => {
    const r = await runCli(["run", join(PROGRAMS, "inf-host.s"), "--json"]);
    expectCliError(r, ["non-finite value"], EXIT_RUNTIME_FAULT);
    expect(r.stdout).toBe("");
  });
});
