/**
 * Not a pass: the closed-form size checks every lowering starts with (docs/LIMITS.md "Workloads").
 * The passes find the exact capacities later (allocate.ts), but only after building the whole graph
 * and tiling every product, which for an absurd workload ("units": 1e9) means minutes and gigabytes
 * before the first message. These checks are arithmetic on the spec alone: the weight-memory and
 * host-memory ones are necessary conditions of any lowering; the pass count is the simulator's own
 * limit on how much program it builds.
 */
import type { HwConfig } from "../config/hw-config.js";
import { MAX_MEMORY_HOST_BYTES, formatBytes, overBy } from "../config/limits.js";
import { UserInputError } from "../errors.js";
import type { LayerSpec, WorkloadSpec } from "../workloads/types.js";
import { addressLimit } from "./footprint.js";

/** Matrix passes and im2col gathers of one forward pass (about a third of a training step's program). */
export const MAX_FORWARD_OPS = 2 ** 20;

interface Problem {
  field: string;
  message: string;
}

/** Parameters of a layer with `fanIn` inputs: a weight per input and a bias, per output. */
function layerShape(layer: LayerSpec, fanIn: number): { k: number; n: number; params: number; gathers: number } {
  if (layer.conv) {
    const c = layer.conv;
    const k = c.kernel * c.kernel * c.inputChannels + 1;
    // Per image, output row and kernel row, one DMA per run of positions clipped alike (graph-conv.ts):
    // the clipped ones sit within padding/stride of either edge.
    const runs = Math.min(c.outputWidth, 2 * Math.ceil(c.padding / c.stride) + 1);
    return { k, n: c.channels, params: c.channels * k, gathers: c.outputHeight * c.kernel * runs };
  }
  return { k: fanIn + 1, n: layer.units, params: layer.units * (fanIn + 1), gathers: 0 };
}

/** Every size problem of `spec` on `hw`, in one UserInputError naming the field and the limit; nothing when it may fit. */
export function checkWorkloadSizes(spec: WorkloadSpec, hw: HwConfig): void {
  const problems: Problem[] = [];
  const B = spec.batch;
  let fanIn = spec.inputs;
  let params = 0;
  let ops = 0;
  const perLayer: string[] = [];
  spec.layers.forEach((layer, i) => {
    const s = layerShape(layer, fanIn);
    params += s.params;
    perLayer.push(`layer ${i} ${s.params.toLocaleString("en-US")}`);
    // K/R x N/C tiles, once per accumulator-sized chunk of the batch (a convolution: per image), and the gathers.
    const chunks = s.gathers > 0 ? B : Math.ceil(B / hw.accumulatorRows);
    ops += Math.ceil(s.k / hw.rows) * Math.ceil(s.n / hw.cols) * chunks + B * s.gathers;
    fanIn = layer.units;
  });

  const wmCapacity = Math.min(hw.weightMemoryElements, addressLimit("weights"));
  if (params > wmCapacity) {
    problems.push({
      field: "weightMemoryBytes",
      message:
        `the network's parameters need ${params.toLocaleString("en-US")} fp32 values of weight memory (${perLayer.join(", ")}) ` +
        `but it holds ${wmCapacity.toLocaleString("en-US")}: ${overBy(params, wmCapacity)}; use smaller layers or more weight memory`,
    });
  }

  // The host keeps a batch of inputs, one-hot labels and outputs as float64 (NetworkOnChip, tpu.ts).
  const outputs = spec.layers[spec.layers.length - 1].units;
  const hostElements = B * (spec.inputs + 2 * outputs);
  const hostBytes = hostElements * 8;
  if (hostBytes > MAX_MEMORY_HOST_BYTES || hostElements > addressLimit("host")) {
    const fits = Math.max(1, Math.floor(Math.min(MAX_MEMORY_HOST_BYTES / 8, addressLimit("host")) / (spec.inputs + 2 * outputs)));
    problems.push({
      field: "batch",
      message:
        `batch ${B} needs ${formatBytes(hostBytes)} of host memory for its inputs, labels and outputs (8 bytes per value), ` +
        `${overBy(hostBytes, MAX_MEMORY_HOST_BYTES)} the limit of ${formatBytes(MAX_MEMORY_HOST_BYTES)} (docs/LIMITS.md); the largest batch within it is ${fits}`,
    });
  }

  if (ops > MAX_FORWARD_OPS) {
    problems.push({
      field: "layers",
      message:
        `the forward pass alone would be about ${ops.toLocaleString("en-US")} instructions (matrix passes and im2col gathers) on a ${hw.rows}x${hw.cols} array, ` +
        `${overBy(ops, MAX_FORWARD_OPS)} the limit of ${MAX_FORWARD_OPS.toLocaleString("en-US")} (docs/LIMITS.md); use a larger array, smaller layers or a smaller batch`,
    });
  }

  if (problems.length > 0) {
    const [first, ...rest] = problems;
    throw new UserInputError([first.message, ...rest.map((p) => `field ${p.field}: ${p.message}`)].join("; "), { field: first.field });
  }
}
