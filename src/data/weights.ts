/**
 * Weights files (`tpusim train --save`): the fp32 master parameters M_l (N_l x (K_l+1), bias in the
 * last column) as JSON. Reading checks them against the workload and names the JSON path of any
 * mismatch.
 */
import { showValue, UserInputError } from "../errors.js";
import { parameterShapes } from "../workloads/init.js";
import type { WorkloadSpec } from "../workloads/types.js";
import { readInputText } from "./read-input.js";

export const WEIGHTS_FORMAT = "tpusim-weights";

export interface WeightsFile {
  format: typeof WEIGHTS_FORMAT;
  version: 1;
  workload: string;
  inputs: number;
  layers: { units: number; activation: string; rows: number; cols: number; values: number[] }[];
}

export function weightsToJson(spec: WorkloadSpec, params: readonly Float32Array[]): string {
  const shapes = parameterShapes(spec);
  const file: WeightsFile = {
    format: WEIGHTS_FORMAT,
    version: 1,
    workload: spec.name,
    inputs: spec.inputs,
    layers: spec.layers.map((l, i) => ({
      units: l.units,
      activation: l.activation,
      rows: shapes[i].rows,
      cols: shapes[i].cols,
      values: Array.from(params[i]),
    })),
  };
  return JSON.stringify(file) + "\n";
}

export function readWeights(path: string, spec: WorkloadSpec): Float32Array[] {
  return parseWeights(readInputText(path), path, spec);
}

export function parseWeights(text: string, file: string, spec: WorkloadSpec): Float32Array[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UserInputError(`not valid JSON (${(e as Error).message})`, { file });
  }
  const fail = (jsonPath: string, detail: string): never => {
    throw new UserInputError(detail, { file, jsonPath });
  };
  if (typeof data !== "object" || data === null) fail("$", "expected a JSON object");
  const w = data as Record<string, unknown>;
  if (w.format !== WEIGHTS_FORMAT) fail("$.format", `expected "${WEIGHTS_FORMAT}"`);
  if (w.inputs !== spec.inputs) fail("$.inputs", `the workload has ${spec.inputs} inputs, the weights ${showValue(w.inputs)}`);
  if (!Array.isArray(w.layers)) return fail("$.layers", "expected an array");
  if (w.layers.length !== spec.layers.length) {
    fail("$.layers", `the workload has ${spec.layers.length} layers, the weights ${w.layers.length}`);
  }
  const shapes = parameterShapes(spec);
  return spec.layers.map((layer, i) => {
    const at = `$.layers[${i}]`;
    const l = (w.layers as unknown[])[i] as Record<string, unknown>;
    if (typeof l !== "object" || l === null) fail(at, "expected an object");
    const { rows, cols } = shapes[i];
    if (l.units !== layer.units) fail(`${at}.units`, `the workload's layer has ${layer.units} units, the weights ${showValue(l.units)}`);
    // Same shapes with another activation would run and report a meaningless accuracy.
    if (l.activation !== undefined && l.activation !== layer.activation) {
      fail(`${at}.activation`, `the workload's layer uses ${layer.activation}, the weights were trained with ${showValue(l.activation)}`);
    }
    const values = l.values;
    if (!Array.isArray(values)) return fail(`${at}.values`, "expected an array of numbers");
    if (values.length !== rows * cols) {
      fail(`${at}.values`, `expected ${rows} x ${cols} = ${rows * cols} numbers, got ${values.length}`);
    }
    const out = new Float32Array(values.length);
    for (let j = 0; j < values.length; j++) {
      const v = values[j];
      if (typeof v !== "number" || !Number.isFinite(v)) fail(`${at}.values[${j}]`, `expected a finite number, got ${showValue(v)}`);
      // Weight memory holds fp32: a finite float64 beyond its range would become infinity there.
      out[j] = v as number;
      if (!Number.isFinite(out[j])) fail(`${at}.values[${j}]`, `${String(v)} is beyond the fp32 range (largest magnitude about 3.4e38)`);
    }
    return out;
  });
}

