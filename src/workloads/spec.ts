/**
 * The workload schema (workloads/README.md) and its validation. Every problem is reported with its
 * JSON path, and all problems are collected so one run of the CLI shows everything to fix.
 */
import { readFileSync } from "node:fs";
import { buildHwConfig, PRESETS } from "../config/hw-config.js";
import { showValue, UserInputError } from "../errors.js";
import { CONV_FIELDS, outputImage, validateConv, type LayerInput } from "./conv-spec.js";
import type { InitScheme, LayerActivation, LayerSpec, WorkloadSpec } from "./types.js";

const TOP_LEVEL_FIELDS = [
  ...["name", "description", "dataset", "inputs", "samples", "layers", "loss", "batch", "learningRate", "epochs"],
  ...["seed", "init", "dtype", "hardware"],
];
const ACTIVATIONS: readonly LayerActivation[] = ["sigmoid", "relu", "identity"];
const INITS: readonly InitScheme[] = ["normal-fanin", "uniform-fanin", "glorot-uniform"];
const MNIST_INPUTS = 784;
const MNIST_CLASSES = 10;
/** The image the first layer of an MNIST workload sees. */
const MNIST_IMAGE = { height: 28, width: 28, channels: 1 } as const;
const DENSE_FIELDS = ["type", "units", "activation"];
/** Random (numerics/random.ts) keeps 32 bits of the seed: larger seeds would silently alias. */
const MAX_SEED = 0xffffffff;

interface Problem {
  path: string;
  message: string;
}

export type Json = Record<string, unknown>;

/** Parse and validate a workload spec; `file` only labels errors. */
export function parseWorkload(text: string, file?: string): WorkloadSpec {
  const root = parseJson(text, file);
  const problems: Problem[] = [];
  const spec = validateRoot(root, problems, file);
  if (problems.length > 0 || spec === undefined) {
    // The first path goes in jsonPath, which UserInputError already prints in front of the detail.
    const [first, ...rest] = problems;
    const detail = [first.message, ...rest.map((p) => `${p.path}: ${p.message}`)].join("; ");
    throw new UserInputError(detail, { file, jsonPath: first.path });
  }
  return spec;
}

/** Read and validate a workload file. */
export function loadWorkload(path: string): WorkloadSpec {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "it does not exist" : code === "EISDIR" ? "it is a folder" : String(err);
    throw new UserInputError(`cannot read the workload: ${why}`, { file: path });
  }
  return parseWorkload(text, path);
}

function parseJson(text: string, file?: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // V8's messages carry a position only for some errors, so the scanner below locates it.
    const { offset, reason } = locateSyntaxError(text);
    const before = text.slice(0, offset).split("\n");
    const line = before.length;
    const col = before[before.length - 1].length + 1;
    const detail = file === undefined ? `invalid JSON at line ${line}, column ${col}: ${reason}` : `invalid JSON: ${reason}`;
    throw new UserInputError(detail, { file, line, col });
  }
}

class SyntaxStop {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

/** Offset and reason of the first JSON syntax error in `text` (called only after JSON.parse failed). */
function locateSyntaxError(text: string): SyntaxStop {
  let i = 0;
  const stop = (reason: string): never => {
    throw new SyntaxStop(i, i >= text.length ? "unexpected end of input" : reason);
  };
  const skipSpace = (): void => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const expect = (ch: string, what: string): void => {
    skipSpace();
    if (text[i] !== ch) stop(`expected ${what}, found ${JSON.stringify(text[i])}`);
    i++;
  };
  const string = (): void => {
    i++;
    for (;;) {
      const c = text[i];
      if (c === undefined) stop("unterminated string");
      if (c === '"') break;
      if (c < " ") stop("control character inside a string (escape it)");
      if (c === "\\") {
        i++;
        if (text[i] === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) i += 4;
        else if (text[i] === undefined || !'"\\/bfnrt'.includes(text[i])) stop("invalid escape in a string");
      }
      i++;
    }
    i++;
  };
  const value = (): void => {
    skipSpace();
    const c = text[i];
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      i++;
      skipSpace();
      if (text[i] === close) return void i++;
      for (;;) {
        if (c === "{") {
          skipSpace();
          if (text[i] !== '"') stop(`expected a property name in double quotes, found ${JSON.stringify(text[i])}`);
          string();
          expect(":", "':'");
        }
        value();
        skipSpace();
        if (text[i] === close) return void i++;
        expect(",", `',' or '${close}'`);
      }
    }
    if (c === '"') return string();
    const number = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    number.lastIndex = i;
    if (number.test(text)) return void (i = number.lastIndex);
    for (const word of ["true", "false", "null"]) if (text.startsWith(word, i)) return void (i += word.length);
    stop(`unexpected ${JSON.stringify(c)}`);
  };
  try {
    value();
    skipSpace();
    if (i < text.length) stop("unexpected text after the JSON value");
  } catch (err) {
    if (err instanceof SyntaxStop) return err;
    // Nesting deep enough to overflow this recursive scanner: still a user error, located roughly.
  }
  return new SyntaxStop(i, "invalid JSON");
}

function validateRoot(root: unknown, problems: Problem[], file?: string): WorkloadSpec | undefined {
  if (!isObject(root)) {
    problems.push({ path: "$", message: `must be a JSON object (got ${showValue(root)})` });
    return undefined;
  }
  const field = new FieldChecker(root, "$", problems);
  const name = field.string("name", false);
  const description = root.description === undefined ? "" : field.string("description", true);
  const dataset = field.oneOf("dataset", ["mnist", "random"] as const);
  const inputs = field.integer("inputs", 1);
  const mnist = dataset === "mnist";
  if (mnist && inputs !== undefined && inputs !== MNIST_INPUTS) {
    field.fail("inputs", `must be ${MNIST_INPUTS} for dataset "mnist" (got ${inputs})`);
  }
  const first: LayerInput | undefined = inputs === undefined ? undefined : { units: inputs, image: mnist ? MNIST_IMAGE : undefined };
  const layers = validateLayers(root.layers, problems, first, mnist);
  const loss = field.oneOf("loss", ["sse", "softmax-cross-entropy"] as const);
  if (loss === "softmax-cross-entropy" && layers !== undefined && Array.isArray(root.layers)) {
    const last = layers.length - 1;
    // A layer that failed validation is missing from `layers`; judge the last one only if it is there.
    if (layers.length === root.layers.length && layers[last].activation !== "identity") {
      problems.push({
        path: `$.layers[${last}].activation`,
        message: `must be "identity" with loss "softmax-cross-entropy" (the last layer's outputs are the logits; got "${layers[last].activation}")`,
      });
    }
  }
  const batch = field.integer("batch", 1);
  let samples: number | undefined;
  if (root.samples !== undefined) {
    if (dataset === "random") samples = field.integer("samples", 1);
    else field.fail("samples", `is only for dataset "random" (MNIST has 60000 training and 10000 test images)`);
  } else if (dataset === "random") samples = batch;
  const learningRate = field.positiveNumber("learningRate");
  const epochs = field.integer("epochs", 1);
  const seed = field.integer("seed", 0, MAX_SEED);
  const init = root.init === undefined ? "normal-fanin" : field.oneOf("init", INITS);
  const dtype = field.oneOf("dtype", ["bf16", "int8"] as const);
  const hardware = validateHardware(root.hardware, problems, file);
  field.rejectUnknown(TOP_LEVEL_FIELDS);
  if (problems.length > 0) return undefined;
  // No problems means every field above was defined.
  const spec = { name, description, dataset, inputs, ...(samples === undefined ? {} : { samples }), layers, loss, batch, learningRate, epochs, seed, init, dtype, hardware };
  return Object.freeze(spec) as WorkloadSpec;
}

/**
 * The layers in order; each one reads what the one before produced (`first` for layer 0), so a
 * convolution anywhere knows the image it convolves.
 */
function validateLayers(value: unknown, problems: Problem[], first: LayerInput | undefined, mnist: boolean): readonly LayerSpec[] | undefined {
  if (value === undefined) return void problems.push({ path: "$.layers", message: "is required" });
  if (!Array.isArray(value) || value.length === 0) {
    return void problems.push({ path: "$.layers", message: `must be a non-empty array of layers (got ${showValue(value)})` });
  }
  const layers: LayerSpec[] = [];
  let previous: LayerInput | undefined = first;
  value.forEach((layer: unknown, i) => {
    const input = previous;
    // After a layer that failed validation its output is unknown: later layers are checked alone.
    previous = undefined;
    const path = `$.layers[${i}]`;
    if (!isObject(layer)) {
      return void problems.push({ path, message: `must be an object with "units" and "activation" (got ${showValue(layer)})` });
    }
    const field = new FieldChecker(layer, path, problems);
    const last = i === value.length - 1;
    const type = layer.type === undefined ? "dense" : field.oneOf("type", ["dense", "conv"] as const);
    if (type === "conv") {
      if (mnist && last) field.fail("type", `the last layer must be a dense layer of ${MNIST_CLASSES} units for dataset "mnist"`);
      const conv = validateConv(layer, field, input, ACTIVATIONS);
      if (conv) {
        layers.push(conv);
        previous = { units: conv.units, image: outputImage(conv) };
      }
      return;
    }
    const units = field.integer("units", 1);
    const activation = field.oneOf("activation", ACTIVATIONS);
    field.rejectUnknown(type === undefined ? [...DENSE_FIELDS, ...CONV_FIELDS] : DENSE_FIELDS);
    if (mnist && last && units !== undefined && units !== MNIST_CLASSES) {
      field.fail("units", `the last layer must have ${MNIST_CLASSES} units for dataset "mnist" (got ${units})`);
    }
    if (units !== undefined && activation !== undefined) {
      layers.push(Object.freeze({ units, activation }));
      previous = { units };
    }
  });
  return Object.freeze(layers);
}

function validateHardware(value: unknown, problems: Problem[], file?: string): WorkloadSpec["hardware"] | undefined {
  const path = "$.hardware";
  if (value === undefined) return void problems.push({ path, message: "is required" });
  if (!isObject(value)) {
    return void problems.push({ path, message: `must be an object with "preset" and optional "overrides" (got ${showValue(value)})` });
  }
  const field = new FieldChecker(value, path, problems);
  const preset = field.string("preset", false);
  const overrides = value.overrides === undefined ? {} : value.overrides;
  field.rejectUnknown(["preset", "overrides"]);
  if (!isObject(overrides)) {
    return void field.fail("overrides", `must be an object of hardware parameters (got ${showValue(overrides)})`);
  }
  if (preset === undefined) return undefined;
  try {
    buildHwConfig(preset, overrides, `${path}.overrides`, file);
  } catch (err) {
    if (!(err instanceof UserInputError)) throw err;
    // buildHwConfig names the preset relative to the overrides' path; the preset sits beside them.
    const unknownPreset = !PRESETS[preset];
    problems.push({ path: unknownPreset ? `${path}.preset` : (err.where.jsonPath ?? path), message: err.detail });
    return undefined;
  }
  return Object.freeze({ preset, overrides: Object.freeze({ ...overrides }) });
}

/** Type and range checks of one object's fields; each failure records a problem and yields undefined. */
export class FieldChecker {
  constructor(
    private readonly obj: Json,
    private readonly path: string,
    private readonly problems: Problem[],
  ) {}

  fail(key: string, message: string): undefined {
    this.problems.push({ path: childPath(this.path, key), message });
    return undefined;
  }

  string(key: string, allowEmpty: boolean): string | undefined {
    const v = this.obj[key];
    if (v === undefined) return this.fail(key, "is required");
    if (typeof v !== "string" || (!allowEmpty && v.length === 0)) {
      return this.fail(key, `must be a ${allowEmpty ? "" : "non-empty "}string (got ${showValue(v)})`);
    }
    return v;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const v = this.obj[key];
    if (v === undefined) return this.fail(key, "is required");
    if (!allowed.includes(v as T)) {
      return this.fail(key, `must be ${allowed.map((a) => `"${a}"`).join(" or ")} (got ${showValue(v)})`);
    }
    return v as T;
  }

  integer(key: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = this.obj[key];
    if (v === undefined) return this.fail(key, "is required");
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
      return this.fail(key, `must be an integer ${range} (got ${showValue(v)})`);
    }
    return v;
  }

  positiveNumber(key: string): number | undefined {
    const v = this.obj[key];
    if (v === undefined) return this.fail(key, "is required");
    // The machine applies the rate as fp32, so a rate that rounds to 0 there would not train.
    if (typeof v !== "number" || !Number.isFinite(v) || !(Math.fround(v) > 0)) {
      return this.fail(key, `must be a number > 0 (got ${showValue(v)})`);
    }
    return v;
  }

  /** A checker for the object at `key` (required), or undefined after recording why it is not one. */
  child(key: string, what: string): FieldChecker | undefined {
    const v = this.obj[key];
    if (v === undefined) return this.fail(key, "is required");
    if (!isObject(v)) return this.fail(key, `must be ${what} (got ${showValue(v)})`);
    return new FieldChecker(v, childPath(this.path, key), this.problems);
  }

  rejectUnknown(known: readonly string[]): void {
    for (const key of Object.keys(this.obj)) {
      if (!known.includes(key)) this.fail(key, `unknown field (known: ${known.join(", ")})`);
    }
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function childPath(parent: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

