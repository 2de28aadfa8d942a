import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserInputError } from "../../src/errors.js";
import { loadWorkload, parseWorkload } from "../../src/workloads/spec.js";
import { errorOf } from "../helpers/user-error.js";

const WORKLOADS = join(import.meta.dirname, "../../workloads");

const valid = {
  name: "t",
  dataset: "mnist",
  inputs: 784,
  layers: [
    { units: 16, activation: "relu" },
    { units: 10, activation: "sigmoid" },
  ],
  loss: "sse",
  batch: 8,
  learningRate: 0.5,
  epochs: 1,
  seed: 3,
  dtype: "bf16",
  hardware: { preset: "small" },
};

function withChange(change: (spec: Record<string, any>) => void): string {
  const spec = structuredClone(valid) as Record<string, any>;
  change(spec);
  return JSON.stringify(spec, null, 2);
}


describe("shipped workloads", () => {
  const files = readdirSync(WORKLOADS).filter((f) => f.endsWith(".json"));

  it("are there", () => {
    expect(files).toEqual(
      expect.arrayContaining(["mnist-784-16-16-10.json", "mnist-784-128-10.json", "mnist-784-256-256-10.json"]),
    );
  });

  it.each(files)("%s parses", (file) => {
    const spec = loadWorkload(join(WORKLOADS, file));
    expect(spec.name).toBe(file.replace(/\.json$/, ""));
    if (spec.dataset === "mnist") expect(spec.layers[spec.layers.length - 1].units).toBe(10);
    else expect(spec.samples).toBeGreaterThanOrEqual(1);
  });

  it("784-16-16-10 has the documented settings", () => {
    const spec = loadWorkload(join(WORKLOADS, "mnist-784-16-16-10.json"));
    expect(spec).toMatchObject({
      inputs: 784,
      layers: [16, 16, 10].map((units) => ({ units, activation: "sigmoid" })),
      loss: "sse",
      batch: 32,
      learningRate: 1,
      epochs: 1,
      seed: 1,
      init: "normal-fanin",
      dtype: "bf16",
      hardware: { preset: "tpu-v2", overrides: {} },
    });
  });
});

describe("parseWorkload", () => {
  it("fills the defaults", () => {
    const spec = parseWorkload(JSON.stringify(valid));
    expect(spec.description).toBe("");
    expect(spec.init).toBe("normal-fanin");
    expect(spec.hardware).toEqual({ preset: "small", overrides: {} });
    expect(Object.isFrozen(spec)).toBe(true);
  });

  it("keeps hardware overrides", () => {
    const spec = parseWorkload(withChange((s) => (s.hardware.overrides = { rows: 4, cols: 16 })));
    expect(spec.hardware.overrides).toEqual({ rows: 4, cols: 16 });
  });

  const cases: [string, (s: Record<string, any>) => void, string, RegExp][] = [
    ["empty name", (s) => (s.name = ""), "$.name", /non-empty string/],
    ["description not a string", (s) => (s.description = 5), "$.description", /must be a string/],
    ["unknown dataset", (s) => (s.dataset = "cifar"), "$.dataset", /"mnist"/],
    ["inputs 0", (s) => (s.inputs = 0), "$.inputs", /integer >= 1 \(got 0\)/],
    ["inputs not 784 for mnist", (s) => (s.inputs = 100), "$.inputs", /must be 784/],
    ["no layers", (s) => (s.layers = []), "$.layers", /non-empty array/],
    ["layer not an object", (s) => (s.layers[0] = 16), "$.layers[0]", /must be an object/],
    ["units 0", (s) => (s.layers[0].units = 0), "$.layers[0].units", /must be an integer >= 1 \(got 0\)/],
    ["unknown activation", (s) => (s.layers[0].activation = "tanh"), "$.layers[0].activation", /"tanh"/],
    ["unknown layer field", (s) => (s.layers[1].dropout = 0.5), "$.layers[1].dropout", /unknown field/],
    ["last layer not 10 for mnist", (s) => (s.layers[1].units = 16), "$.layers[1].units", /10 units/],
    ["softmax loss with a sigmoid output", (s) => (s.loss = "softmax-cross-entropy"), "$.layers[1].activation", /must be "identity" with loss "softmax-cross-entropy"/],
    ["unknown loss", (s) => (s.loss = "mse"), "$.loss", /"sse"/],
    ["fractional batch", (s) => (s.batch = 1.5), "$.batch", /integer >= 1 \(got 1.5\)/],
    ["zero learning rate", (s) => (s.learningRate = 0), "$.learningRate", /number > 0/],
    ["learning rate as text", (s) => (s.learningRate = "0.1"), "$.learningRate", /number > 0 \(got "0.1"\)/],
    ["learning rate below fp32", (s) => (s.learningRate = 1e-50), "$.learningRate", /number > 0/],
    ["zero epochs", (s) => (s.epochs = 0), "$.epochs", /integer >= 1/],
    ["negative seed", (s) => (s.seed = -1), "$.seed", /integer in \[0, 4294967295\]/],
    ["seed beyond 32 bits", (s) => (s.seed = 2 ** 32), "$.seed", /integer in/],
    ["unknown init", (s) => (s.init = "he"), "$.init", /"glorot-uniform"/],
    ["unknown dtype", (s) => (s.dtype = "fp16"), "$.dtype", /"bf16" or "int8"/],
    ["missing batch", (s) => delete s.batch, "$.batch", /is required/],
    ["missing hardware", (s) => delete s.hardware, "$.hardware", /is required/],
    ["unknown preset", (s) => (s.hardware.preset = "tpu-v9"), "$.hardware.preset", /unknown preset "tpu-v9"/],
    ["bad override", (s) => (s.hardware.overrides = { rows: 0 }), "$.hardware.overrides.rows", /integer >= 1/],
    ["unknown override", (s) => (s.hardware.overrides = { warp: 9 }), "$.hardware.overrides.warp", /unknown hardware/],
    ["overrides not an object", (s) => (s.hardware.overrides = [1]), "$.hardware.overrides", /must be an object/],
    ["unknown hardware field", (s) => (s.hardware.chips = 2), "$.hardware.chips", /unknown field/],
    ["unknown top-level field", (s) => (s.optimizer = "adam"), "$.optimizer", /unknown field/],
    ["odd top-level key", (s) => (s["my key"] = 1), '$["my key"]', /unknown field/],
    ["samples for mnist", (s) => (s.samples = 100), "$.samples", /only for dataset "random"/],
    ["samples 0 for random data", (s) => Object.assign(s, { dataset: "random", samples: 0 }), "$.samples", /integer >= 1 \(got 0\)/],
    [
      "a first convolution on random data without its image",
      (s) => Object.assign(s, { dataset: "random", inputs: 48, layers: [{ type: "conv", kernel: 3, channels: 2, activation: "relu" }] }),
      "$.layers[0].input",
      /is required here: give the 48 values/,
    ],
  ];

  it.each(cases)("%s -> its JSON path", (_, change, path, message) => {
    const err = errorOf(() => parseWorkload(withChange(change), "w.json"));
    expect(err.where).toEqual({ file: "w.json", jsonPath: path });
    expect(err.detail).toMatch(message);
    expect(err.message.startsWith(`w.json, ${path}: `)).toBe(true);
  });

  it("accepts softmax-cross-entropy with an identity output layer", () => {
    const spec = parseWorkload(withChange((s) => {
      s.loss = "softmax-cross-entropy";
      s.layers[1].activation = "identity";
    }));
    expect(spec.loss).toBe("softmax-cross-entropy");
  });

  it('dataset "random": any input size and output layer, samples default to one batch', () => {
    const spec = parseWorkload(withChange((s) => Object.assign(s, { dataset: "random", inputs: 2000, layers: [{ units: 2000, activation: "relu" }] })));
    expect(spec).toMatchObject({ dataset: "random", inputs: 2000, samples: 8 });
    expect(parseWorkload(withChange((s) => Object.assign(s, { dataset: "random", samples: 1000 }))).samples).toBe(1000);
    expect(parseWorkload(withChange(() => {})).samples).toBeUndefined();
    const cnn = parseWorkload(
      withChange((s) =>
        Object.assign(s, {
          dataset: "random",
          inputs: 3 * 16 * 16,
          layers: [{ type: "conv", kernel: 3, channels: 8, stride: 2, padding: 1, activation: "relu", input: { height: 16, width: 16, channels: 3 } }],
        }),
      ),
    );
    expect(cnn.layers[0]).toMatchObject({ units: 8 * 8 * 8, conv: { inputChannels: 3, outputHeight: 8 } });
  });

  it("rejects a top level that is not an object", () => {
    const err = errorOf(() => parseWorkload("[1, 2]"));
    expect(err.where.jsonPath).toBe("$");
  });

  it("reports several problems together, in schema order, each with its path", () => {
    const text = withChange((s) => {
      s.layers[1].units = 0;
      s.batch = 0;
      s.extra = true;
      s.hardware.preset = "nope";
    });
    const err = errorOf(() => parseWorkload(text, "w.json"));
    expect(err.where.jsonPath).toBe("$.layers[1].units");
    const parts = err.message.replace(/^w\.json, /, "").split("; ");
    expect(parts.map((p) => p.slice(0, p.indexOf(": ")))).toEqual([
      "$.layers[1].units",
      "$.batch",
      "$.hardware.preset",
      "$.extra",
    ]);
    expect(parts[0]).toBe("$.layers[1].units: must be an integer >= 1 (got 0)");
  });
});

describe("JSON syntax errors", () => {
  const located: [string, string, number, number, RegExp][] = [
    ["missing colon", '{\n  "name": "x",\n  "batch" 2\n}', 3, 11, /expected ':'/],
    ["trailing comma", '{\n  "layers": [1,]\n}', 2, 16, /unexpected "]"/],
    ["single quotes", "{\n  'name': 1}", 2, 3, /property name in double quotes/],
    ["unterminated string", '{"name": "abc', 1, 14, /unexpected end of input/],
    ["bad escape", '{"name": "a\\q"}', 1, 13, /invalid escape/],
    ["empty file", "", 1, 1, /unexpected end of input/],
    ["text after the value", "{}\n}", 2, 1, /after the JSON value/],
  ];

  it.each(located)("%s: line and column", (_, text, line, col, reason) => {
    expect(() => JSON.parse(text)).toThrow();
    const err = errorOf(() => parseWorkload(text, "w.json"));
    expect(err.where).toEqual({ file: "w.json", line, col });
    expect(err.detail).toMatch(reason);
    expect(err.message.startsWith(`w.json:${line}:${col}: invalid JSON`)).toBe(true);
  });

  it("puts the position in the message when there is no file name", () => {
    const err = errorOf(() => parseWorkload('{\n  "a": tru\n}'));
    expect(err.message).toMatch(/^invalid JSON at line 2, column 8: /);
  });
});

describe("loadWorkload", () => {
  it("names a missing file", () => {
    const err = errorOf(() => loadWorkload(join(WORKLOADS, "no-such.json")));
    expect(err.where.file).toMatch(/no-such\.json$/);
    expect(err.detail).toMatch(/does not exist/);
  });
});
