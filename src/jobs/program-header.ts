/**
 * A program file's own machine: comment lines at the top of a .s file such as
 *
 *   ; tpusim: --array 4x4
 *   ; tpusim: --set unifiedBufferBytes=4096 --dtype int8
 *
 * name the hardware flags the program was written for, so `tpusim run examples/matmul-4x4.s` runs on
 * the 4x4 array its comments describe. Flags given on the command line win over the header's.
 */
import { UserInputError } from "../errors.js";
import { resolveHardware, type HardwareFlags } from "./hardware.js";

const HEADER = /^\s*;\s*tpusim:(.*)$/;
const SINGLE = new Set(["--preset", "--array", "--dtype"]);

export interface ProgramHeader {
  flags: HardwareFlags;
  /** The header's flags as written, for messages ("--array 4x4"). */
  text: string;
  /** Line of the first header line. */
  line: number;
}

/** The header of assembly text (only comment lines before the first statement count); undefined when there is none. */
export function parseProgramHeader(text: string, file: string): ProgramHeader | undefined {
  const flags: { preset?: string; array?: string; dtype?: string; set: string[] } = { set: [] };
  const parts: string[] = [];
  let first = 0;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "") continue;
    if (!/^\s*;/.test(line)) break;
    const m = HEADER.exec(line);
    if (!m) continue;
    first ||= i + 1;
    const words = m[1].trim().split(/\s+/).filter((w) => w !== "");
    const col = (k: number) => line.indexOf(words[k]) + 1;
    for (let k = 0; k < words.length; k += 2) {
      const [flag, value] = [words[k], words[k + 1]];
      const where = { file, line: i + 1, col: col(k) };
      if (!SINGLE.has(flag) && flag !== "--set") {
        throw new UserInputError(`the tpusim: header line may give --preset, --array, --dtype and --set, not "${flag}"`, where);
      }
      if (value === undefined || value.startsWith("--")) throw new UserInputError(`${flag} needs a value in the tpusim: header line`, where);
      const key = flag.slice(2) as "preset" | "array" | "dtype" | "set";
      if (key === "set") flags.set.push(value);
      else if (flags[key] !== undefined) throw new UserInputError(`${flag} is given twice in the tpusim: header`, where);
      else flags[key] = value;
      parts.push(`${flag} ${value}`);
    }
  }
  if (parts.length === 0) return undefined;
  const header = { flags: { ...flags, set: flags.set.length > 0 ? flags.set : undefined }, text: parts.join(" "), line: first };
  // The machine it names must exist on its own; a bad value is reported at the header line.
  try {
    resolveHardware(header.flags, { preset: "small", overrides: {} });
  } catch (err) {
    if (err instanceof UserInputError) throw new UserInputError(`in the tpusim: header, ${err.message}`, { file, line: first });
    throw err;
  }
  return header;
}

/** The header's flags under the command line's: each flag the command line gives replaces the header's; --set values add up, the command line's last. */
export function mergeHardwareFlags(header: HardwareFlags | undefined, command: HardwareFlags): HardwareFlags {
  if (header === undefined) return command;
  const set = [...(header.set ?? []), ...(command.set ?? [])];
  return {
    preset: command.preset ?? header.preset,
    array: command.array ?? header.array,
    dtype: command.dtype ?? header.dtype,
    set: set.length > 0 ? set : undefined,
  };
}
