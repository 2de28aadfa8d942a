import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { confidenceTable, digitArt, encodePgm, saveDigits, sideBySide } from "../../../src/cli/commands/digit-image.js";
import { readNpy } from "../../../src/data/npy.js";

describe("digit images", () => {
  it("terminal art: two characters per pixel from the ten-step shade ramp, clamped", () => {
    const lines = digitArt([0, 0.05, 0.1, 0.55, 0.999, 1, -1, 2], 2, 4);
    expect(lines).toEqual(["    ..++", "@@@@  @@"]);
  });

  it("panels side by side in frames of equal width", () => {
    const s = sideBySide([{ title: "a", lines: ["xx"] }, { title: "bbb", lines: ["y", "z"] }]).split("\n");
    expect(s).toEqual([" a      bbb ", "+---+  +---+", "|xx |  |y  |", "|   |  |z  |", "+---+  +---+"]);
  });

  it("PGM P5: header, then one byte per pixel", () => {
    const p = encodePgm([0, 0.5, 1, 2, -3, 1 / 255], 2, 3);
    const header = "P5\n3 2\n255\n";
    expect(new TextDecoder().decode(p.subarray(0, header.length))).toBe(header);
    expect(Array.from(p.subarray(header.length))).toEqual([0, 128, 255, 255, 0, 1]);
  });

  it("saves .npy (exact float32) and .pgm files under the prefix", () => {
    const dir = mkdtempSync(join(tmpdir(), "tpusim-digits-"));
    const pixels = Float32Array.from({ length: 784 }, (_, i) => Math.fround((i % 97) / 96));
    const written = saveDigits([{ name: "original", pixels }], join(dir, "n"), join(dir, "p"));
    expect(written).toEqual([join(dir, "n-original.npy"), join(dir, "p-original.pgm")]);
    const m = readNpy(written[0]);
    expect([m.rows, m.cols]).toEqual([28, 28]);
    expect(Array.from(m.data)).toEqual(Array.from(pixels));
    expect(readFileSync(written[1]).length).toBe("P5\n28 28\n255\n".length + 784);
    expect(readdirSync(dir).sort()).toEqual(["n-original.npy", "p-original.pgm"]);
  });

  it("confidence table: raw output and its share of the sum", () => {
    const t = confidenceTable([{ title: "x", outputs: [0.5, 0.25, 0.25] }]).split("\n");
    expect(t).toHaveLength(5);
    expect(t[2]).toBe("    0  0.5000      50.0 %");
  });
});
