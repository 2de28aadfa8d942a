/** `tpusim info`: presets and their parameters. */
import type { Argv } from "yargs";
import { buildHwConfig, PRESETS } from "../../config/hw-config.js";
import { energyRates } from "../../energy/model.js";
import { emit } from "../output.js";
import { withJson } from "../options.js";

export const command = "info";
export const describe = "list the hardware presets and their parameters";

export function builder(y: Argv) {
  return withJson(y);
}

export async function handler(argv: { json: boolean }): Promise<void> {
  const presets = Object.keys(PRESETS).map((name) => buildHwConfig(name));
  const energy = presets.map((hw) => ({ preset: hw.name, ...energyRates(hw) }));
  emit(argv.json, { presets, energy }, () => {
    const keys = Object.keys(presets[0]) as (keyof (typeof presets)[number])[];
    const width = Math.max(...keys.map((k) => String(k).length));
    const lines = [`${"parameter".padEnd(width)}  ${presets.map((p) => p.name.padStart(12)).join("")}`];
    for (const k of keys) {
      if (k === "name") continue;
      lines.push(`${String(k).padEnd(width)}  ${presets.map((p) => String(p[k]).padStart(12)).join("")}`);
    }
    lines.push("", "energies the model charges (pJ; static power in W), derived from the table:");
    for (const k of Object.keys(energy[0]) as (keyof (typeof energy)[number])[]) {
      if (k === "preset") continue;
      lines.push(`${String(k).padEnd(width)}  ${energy.map((e) => Number((e[k] as number).toPrecision(6)).toString().padStart(12)).join("")}`);
    }
    lines.push("", "Override any parameter with --set name=value, or the array with --array RxC.");
    lines.push("The energy* and staticPower* parameters are the energy table: sources and units in docs/ENERGY.md.");
    return lines.join("\n");
  });
}
