/** Weights files round-trip for every shipped workload, dense and convolutional. */
import { describe, expect, it } from "vitest";
import { parseWeights, weightsToJson } from "../../src/data/weights.js";
import { initParameters } from "../../src/workloads/init.js";
import { loadWorkload } from "../../src/workloads/spec.js";

describe("weights files", () => {
  for (const name of ["mnist-784-16-16-10", "mnist-784-128-10", "mnist-cnn-small"]) {
    it(`${name}: write then read gives the same fp32 values`, () => {
      const spec = loadWorkload(`workloads/${name}.json`);
      const params = initParameters(spec);
      const back = parseWeights(weightsToJson(spec, params), "w.json", spec);
      expect(back.length).toBe(params.length);
      back.forEach((p, l) => expect(Array.from(p)).toEqual(Array.from(params[l])));
    });
  }

  it("weights of another workload are rejected with the JSON path", () => {
    const dense = loadWorkload("workloads/mnist-784-16-16-10.json");
    const cnn = loadWorkload("workloads/mnist-cnn-small.json");
    expect(() => parseWeights(weightsToJson(dense, initParameters(dense)), "w.json", cnn)).toThrow(/\$\.layers/);
  });
});
