/**
 * SCALE-Sim topology files: both formats as SCALE-Sim's own files have them (trailing commas, padded
 * fields, CRLF, no final newline, numeric names), the matrix product of each layer (conv output side
 * (IFMAP - Filter) / Stride + 1, written out per case below), and one-line errors naming file and line.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTopology, parseTopology } from "../../src/workloads/topology.js";
import { errorOf } from "../helpers/user-error.js";

const DIR = join(import.meta.dirname, "../fixtures/topologies");

describe("parseTopology", () => {
  it("Resnet18.csv (conv): 21 layers; Conv1 224x224, 7x7, stride 2 -> 109 x 109 outputs, K = 7*7*3", () => {
    const t = loadTopology(join(DIR, "Resnet18.csv"));
    expect(t.format).toBe("conv");
    expect(t.layers).toHaveLength(21);
    expect(t.layers[0]).toMatchObject({ index: 0, name: "Conv1", line: 2, kind: "conv", m: 109 * 109, k: 147, n: 64 });
    expect(t.layers[0].conv).toMatchObject({ outputHeight: 109, outputWidth: 109, stride: 2 });
    // Conv3_s: 56x56, 1x1, stride 2 -> (56 - 1) / 2 + 1 = 28 (rounded down).
    expect(t.layers[7]).toMatchObject({ name: "Conv3_s", m: 28 * 28, k: 64, n: 128 });
    // The last line has no newline: FC, a 1x1 input of 512 channels, 1000 filters.
    expect(t.layers[20]).toMatchObject({ name: "FC", line: 22, m: 1, k: 512, n: 1000 });
  });

  it("gpt2.csv (GEMM, CRLF): Layer, M, N, K -> A is M x K, B is K x N", () => {
    const t = loadTopology(join(DIR, "gpt2.csv"));
    expect(t.format).toBe("gemm");
    expect(t.layers.map((l) => [l.name, l.m, l.k, l.n])).toEqual([
      ["QKT", 1024, 64, 1024],
      ["QKTV", 1024, 1024, 64],
      ["Linear1", 1024, 1600, 4800],
      ["Linear2", 1024, 1600, 1600],
      ["PW-FF-L1", 1024, 1600, 3072],
      ["PW-FF-L2", 1024, 3072, 1600],
    ]);
  });

  it("padded fields and names with spaces or digits", () => {
    expect(loadTopology(join(DIR, "test_mnk_input.csv")).layers[0]).toMatchObject({ name: "Test 1", m: 128, n: 64, k: 256 });
    const t = loadTopology(join(DIR, "tiny-conv.csv"));
    expect(t.layers.map((l) => [l.name, l.m, l.k, l.n])).toEqual([
      ["stem", 5 * 4, 27, 10], // (11-3)/2+1 = 5, (9-3)/2+1 = 4
      ["7", 25, 10, 20],
      ["wide", 5 * 4, 72, 9], // 2x3 filter on 6x6: 5 x 4 outputs, K = 2*3*12
    ]);
  });

  const bad: [string, string, RegExp][] = [
    ["Layer, M, N, K,\nx, 1, 2,\n", "t.csv:2:", /3 fields where a gemm layer has 4/],
    ["Layer, M, N, K,\n\nx, 1, two, 3,\n", "t.csv:3:", /layer x: n "two" is not a whole number >= 1/],
    ["Layer, M, N, K,\nx, 0, 2, 3,\n", "t.csv:2:", /m "0" is not a whole number/],
    ["Layer, M, N, K,\n, 1, 2, 3,\n", "t.csv:2:", /the layer has no name/],
    ["Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nc, 3, 3, 5, 1, 1, 1, 1,\n", "t.csv:2:", /5x1 filter is larger than the 3x3 input/],
    ["Name, A, B,\n", "t.csv:1:", /unknown header "Name, A, B,"/],
    ["\n\n", "t.csv:1:", /empty file/],
    ["Layer, M, N, K,\n", "t.csv:1:", /no layers/],
  ];
  for (const [text, where, pattern] of bad) {
    it(`rejects ${JSON.stringify(text.slice(0, 40))}... naming ${where}`, () => {
      const e = errorOf(() => parseTopology(text, "t.csv"));
      expect(e.message).toContain(where);
      expect(e.message).toMatch(pattern);
      expect(e.message).not.toContain("\n");
    });
  }
});
