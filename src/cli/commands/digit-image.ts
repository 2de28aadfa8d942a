/**
 * Digits for people: 28x28 images as terminal art (two characters per pixel, so the digit keeps its
 * aspect ratio), side by side, and saved as .npy (float32, exact) and PGM (P5, 8-bit, a picture of
 * the image rounded to 1/255).
 */
import { writeNpy } from "../../data/npy.js";
import { checkWritable, writeFileAtomic } from "../../io/atomic-write.js";
import type { NamedPath } from "../output-paths.js";

const SHADES = " .:-=+*#%@";
export const DIGIT_ROWS = 28;
export const DIGIT_COLS = 28;

/** One line per image row; each pixel in [0, 1] is two characters of the shade ramp. */
export function digitArt(pixels: ArrayLike<number>, rows = DIGIT_ROWS, cols = DIGIT_COLS): string[] {
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    let line = "";
    for (let c = 0; c < cols; c++) {
      const v = Math.min(1, Math.max(0, pixels[r * cols + c]));
      const ch = SHADES[Math.min(SHADES.length - 1, Math.floor(v * SHADES.length))];
      line += ch + ch;
    }
    lines.push(line);
  }
  return lines;
}

/** Panels next to each other, each under its title, inside a frame so blank pixels stay visible. */
export function sideBySide(panels: readonly { title: string; lines: readonly string[] }[]): string {
  const width = Math.max(...panels.map((p) => Math.max(p.title.length, ...p.lines.map((l) => l.length))));
  const height = Math.max(...panels.map((p) => p.lines.length));
  const out = [panels.map((p) => ` ${p.title.padEnd(width)} `).join("  ")];
  out.push(panels.map(() => `+${"-".repeat(width)}+`).join("  "));
  for (let i = 0; i < height; i++) out.push(panels.map((p) => `|${(p.lines[i] ?? "").padEnd(width)}|`).join("  "));
  out.push(panels.map(() => `+${"-".repeat(width)}+`).join("  "));
  return out.join("\n");
}

/** Binary PGM (P5, maxval 255): each pixel round(255 * clamp(x, 0, 1)). */
export function encodePgm(pixels: ArrayLike<number>, rows = DIGIT_ROWS, cols = DIGIT_COLS): Uint8Array {
  const header = new TextEncoder().encode(`P5\n${cols} ${rows}\n255\n`);
  const out = new Uint8Array(header.length + rows * cols);
  out.set(header);
  for (let i = 0; i < rows * cols; i++) out[header.length + i] = Math.round(255 * Math.min(1, Math.max(0, pixels[i])));
  return out;
}

/** The files saveDigits will write, with the flag that names each (for refuseClobber). */
export function digitOutputs(names: readonly string[], npyPrefix: string | undefined, pgmPrefix: string | undefined): NamedPath[] {
  return names.flatMap((name) => [
    ...(npyPrefix === undefined ? [] : [{ flag: "--save-npy", path: `${npyPrefix}-${name}.npy` }]),
    ...(pgmPrefix === undefined ? [] : [{ flag: "--save-image", path: `${pgmPrefix}-${name}.pgm` }]),
  ]);
}

/** The files saveDigits will write, checked before a run so a bad folder fails at once. */
export function checkDigitPaths(names: readonly string[], npyPrefix: string | undefined, pgmPrefix: string | undefined): void {
  for (const name of names) {
    if (npyPrefix !== undefined) checkWritable(`${npyPrefix}-${name}.npy`);
    if (pgmPrefix !== undefined) checkWritable(`${pgmPrefix}-${name}.pgm`);
  }
}

/** Write `PREFIX-<name>.npy` and/or `PREFIX-<name>.pgm`; returns the paths written. */
export function saveDigits(
  images: readonly { name: string; pixels: ArrayLike<number> }[],
  npyPrefix: string | undefined,
  pgmPrefix: string | undefined,
): string[] {
  const written: string[] = [];
  for (const { name, pixels } of images) {
    if (npyPrefix !== undefined) {
      const path = `${npyPrefix}-${name}.npy`;
      writeNpy(path, { rows: DIGIT_ROWS, cols: DIGIT_COLS, data: Float64Array.from(pixels) });
      written.push(path);
    }
    if (pgmPrefix !== undefined) {
      const path = `${pgmPrefix}-${name}.pgm`;
      writeFileAtomic(path, encodePgm(pixels));
      written.push(path);
    }
  }
  return written;
}

/** The outputs of one or more images as a table: digit, then sigmoid output and normalised share per image. */
export function confidenceTable(columns: readonly { title: string; outputs: ArrayLike<number> }[]): string {
  const head1 = "digit" + columns.map((c) => `  ${c.title.padEnd(18)}`).join("");
  const head2 = "     " + columns.map(() => "  output  normalised").join("");
  const lines = [head1, head2];
  const sums = columns.map((c) => Array.from(c.outputs).reduce((a, v) => a + v, 0));
  for (let j = 0; j < columns[0].outputs.length; j++) {
    let line = String(j).padStart(5);
    columns.forEach((c, i) => {
      const v = c.outputs[j];
      const share = sums[i] > 0 ? v / sums[i] : 0;
      line += `  ${v.toFixed(4).padStart(6)}  ${(100 * share).toFixed(1).padStart(8)} %`;
    });
    lines.push(line);
  }
  return lines.join("\n");
}
