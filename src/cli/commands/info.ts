/** `tpusim info`: presets and their parameters. */
import type { Argv } from "yargs";
import { buildHwConfig, PRESETS } from "../../config/hw-config.js";
import { emit } from "../output.js";
import { withJson } from "../options.js";

export const command = "info";
export const describe = "list the hardware presets and their parameters";

export function builder(y: Argv) {
  return withJson(y);
}

export async function handler(argv: { json: boolean }): Promise<void> {
  const presets = Object.keys(PRESETS).map((name) => buildHwConfig(name));
  emit(argv.json, { presets }, () => {
    const keys = Object.keys(presets[0]) as (keyof (typeof presets)[number])[];
    const width = Math.max(...keys.map((k) => String(k).length));
    const lines = [`${"parameter".padEnd(width)}  ${presets.map((p) => p.name.padStart(12)).join("")}`];
    for (const k of keys) {
      if (k === "name") continue;
      lines.push(`${String(k).padEnd(width)}  ${presets.map((p) => String(p[k]).padStart(12)).join("")}`);
    }
    lines.push("", "Override any parameter with --set name=value, or the array with --array RxC.");
    return lines.join("\n");
  });
}
