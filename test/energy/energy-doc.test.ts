/**
 * docs/ENERGY.md cannot drift from the code: its table lists every energy parameter with the value
 * every preset carries, and the example program it measures assembles for tpu-v1.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ENERGY_TABLE_45NM, PRESETS, buildHwConfig } from "../../src/config/hw-config.js";
import { assemble } from "../../src/isa/assembler.js";
import { checkOperands } from "../../src/sim/operand-check.js";
import { decodeOp } from "../../src/sim/decode.js";

const doc = readFileSync(new URL("../../docs/ENERGY.md", import.meta.url), "utf8");

describe("docs/ENERGY.md", () => {
  it("lists every table entry with its value, and every preset carries those values", () => {
    const rows = [...doc.matchAll(/^\| `((?:energy|staticPower)\w+)` \| ([\d.]+) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(Object.fromEntries(rows)).toEqual({ ...ENERGY_TABLE_45NM });
    for (const p of Object.values(PRESETS)) expect(p).toMatchObject(ENERGY_TABLE_45NM);
  });

  it("examples/dense-int8-tpu-v1.s assembles and every instruction's operands fit tpu-v1", () => {
    const program = assemble(readFileSync(new URL("../../examples/dense-int8-tpu-v1.s", import.meta.url), "utf8"));
    const hw = buildHwConfig("tpu-v1");
    const hostElements = 524288 + 20480;
    const problems = program.instructions.map((ins, pc) => checkOperands(decodeOp(ins, pc), hw, hostElements)).filter((p) => p !== null);
    expect(problems).toEqual([]);
    expect(program.instructions.filter((i) => i.op === "MMUL")).toHaveLength(64);
  });
});
