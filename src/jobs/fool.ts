/**
 * `tpusim fool`: the lecture's "random patterns strongly identified as a number". From uniform noise,
 * signed gradient steps on the input (the gradient from the chip's input-gradient program, the loss
 * against the chosen digit) until the chip reports that digit with high confidence; the final
 * verdict comes from the chip's inference program.
 */
import { Random } from "../numerics/random.js";
import { AttackChips, argmax, type AttackChipOptions, type ChipEnergies } from "./adversarial.js";

const f32 = Math.fround;

export interface FoolOptions extends AttackChipOptions {
  target: number;
  /** Most gradient steps. */
  steps: number;
  seed: number;
  /** Change of every pixel per step. */
  stepSize: number;
  /** Stop once the target's output exceeds this and is the largest. */
  threshold: number;
}

export interface FoolResult {
  target: number;
  seed: number;
  /** Gradient steps taken. */
  steps: number;
  reached: boolean;
  noise: Float32Array;
  pattern: Float32Array;
  /** Inference-program outputs for the starting noise and the final pattern. */
  noiseOutputs: Float32Array;
  outputs: Float32Array;
  predicted: number;
  confidence: number;
  /** confidence / sum of the outputs. */
  normalized: number;
  /** The target's output before each step (from the input-gradient program's forward pass). */
  history: number[];
  cycles: { inputGradient: number; inference: number };
  energy: ChipEnergies;
}

/** From uniform noise in [0, 1), signed gradient descent towards `target` until the chip is sure. */
export async function foolingPattern(opts: FoolOptions): Promise<FoolResult> {
  const chips = new AttackChips({ ...opts, batch: 1 });
  const rng = new Random(opts.seed);
  const noise = Float32Array.from({ length: chips.inputs }, () => f32(rng.uniform()));
  const x = noise.slice();
  const targets = [opts.target];
  const history: number[] = [];
  let steps = 0;
  for (;;) {
    const { outputs, gradient } = await chips.gradient.run(x, targets, 0, 1);
    history.push(outputs[opts.target]);
    if ((outputs[opts.target] > opts.threshold && argmax(outputs) === opts.target) || steps >= opts.steps) break;
    // No L-inf ball here: only the pixel range [0, 1] limits the pattern.
    for (let i = 0; i < x.length; i++) x[i] = Math.min(1, Math.max(0, f32(x[i] - opts.stepSize * Math.sign(gradient[i]))));
    steps++;
  }
  const noiseOutputs = await chips.classify(noise, 0, 1);
  const outputs = await chips.classify(x, 0, 1);
  const predicted = argmax(outputs);
  const sum = outputs.reduce((a, v) => a + v, 0);
  const [g, inf] = chips.cycles;
  return {
    target: opts.target,
    seed: opts.seed,
    steps,
    reached: predicted === opts.target && outputs[opts.target] > opts.threshold,
    noise,
    pattern: x,
    noiseOutputs,
    outputs,
    predicted,
    confidence: outputs[opts.target],
    normalized: sum > 0 ? outputs[opts.target] / sum : 0,
    history,
    cycles: { inputGradient: g, inference: inf },
    energy: chips.energy,
  };
}
