/**
 * Loading a bank whole (src/hw/tile-copy.ts through SystolicArray.loadBankDirect): a bank holds its
 * tile zero padded to R x C (docs/ARCHITECTURE.md "Registers"), so a smaller tile placed over a
 * larger one leaves no stale weight behind, and the other bank is untouched. Added for mutation
 * testing (docs/MUTATION.md): no other test places two tiles in one bank.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { SystolicArray } from "../../src/hw/systolic-array.js";

const R = 3;
const C = 4;

/** rows x cols values base + 10 r + c + 1, row-major with stride C (a FIFO slot's layout). */
function slot(rows: number, cols: number, base: number): Float32Array {
  const s = new Float32Array(R * C);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) s[r * C + c] = base + 10 * r + c + 1;
  return s;
}

/** The bank's R x C registers as a padded tile: the values inside rows x cols, zero elsewhere. */
function padded(rows: number, cols: number, base: number): number[] {
  return Array.from({ length: R * C }, (_, i) => {
    const r = Math.floor(i / C);
    const c = i % C;
    return r < rows && c < cols ? base + 10 * r + c + 1 : 0;
  });
}

describe("a bank loaded whole", () => {
  it.each([
    [2, 2],
    [1, 4],
    [3, 1],
  ])("a %i x %i tile over a full one leaves zeros outside its extent; the other bank keeps its tile", (rows, cols) => {
    const a = new SystolicArray(buildHwConfig("small", { rows: R, cols: C, dtype: "bf16" }));
    const bank = (b: number) => Array.from(a.weights.subarray((b + 1) * R * C, (b + 2) * R * C));
    a.loadBankDirect(1, slot(R, C, 500), 0, R, C);
    a.loadBankDirect(0, slot(R, C, 100), 0, R, C);
    expect(bank(0)).toEqual(padded(R, C, 100));
    a.loadBankDirect(0, slot(rows, cols, 300), 0, rows, cols);
    expect(bank(0)).toEqual(padded(rows, cols, 300));
    expect(bank(1)).toEqual(padded(R, C, 500));
    // The bubble slot (slot 0 of the register file) stays zero.
    expect(Array.from(a.weights.subarray(0, R * C))).toEqual(Array(R * C).fill(0));
  });
});
