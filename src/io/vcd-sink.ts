/**
 * The per-cycle trace as an IEEE 1364-2005 (section 18) value change dump, for GTKWave and Surfer
 * (docs/TRACES.md "VCD"). Same signals as the CSV trace, as bit vectors; only changes are dumped.
 *
 * Time: `$timescale 100ps`, cycle N starts at time 10*N, so a viewer's "ns" reads as the cycle
 * number; clk rises at 10*N and falls at 10*N+5. Only traced cycles get a clock pulse.
 */
import {
  STALL_CAUSES,
  TRACE_COUNTERS,
  TRACE_UNITS,
  UNIT_STATE_NAMES,
  readTraceCounters,
  runInWindow,
  type PeTraceRow,
  type TraceRow,
  type TraceUnit,
  type WindowedRun,
} from "../sim/trace.js";
import {
  FULL_WINDOW,
  SinkFile,
  type AbortableTraceSink,
  type TraceWindow,
} from "./csv-trace-sink.js";

import { DecimalCounter, countedLinesBytes, isCountable, writeCountedLines } from "./decimal-counter.js";

/** Clock pulses of a repeated row written between two looks at the file's backpressure. */
const PULSES_PER_CHECK = 1024;

/** Value-change lines kept per signal. */
const MAX_CACHED_CHANGES = 4096;

/** Time units (100 ps) per clock cycle. */
export const VCD_TICKS_PER_CYCLE = 10;

export interface VcdSignal {
  readonly name: string;
  readonly width: number;
}

/** Every signal in the `tpu` scope, in declaration order; clk first. */
export const VCD_SIGNALS: readonly VcdSignal[] = Object.freeze([
  { name: "clk", width: 1 },
  ...TRACE_UNITS.flatMap((unit) => [
    { name: `${unit}_pc`, width: 32 },
    { name: `${unit}_state`, width: 2 },
  ]),
  { name: "stall", width: 3 },
  { name: "head_pc", width: 32 },
  ...TRACE_COUNTERS.map((c) => ({ name: c.column, width: 32 })),
]);

/** Identifier codes from printable ASCII 33..126, skipping `$` so no reader takes one for a keyword. */
function identifierCode(index: number): string {
  const alphabet: string[] = [];
  for (let c = 33; c <= 126; c++) if (c !== 36) alphabet.push(String.fromCharCode(c));
  let code = "";
  let n = index;
  do {
    code += alphabet[n % alphabet.length];
    n = Math.floor(n / alphabet.length) - 1;
  } while (n >= 0);
  return code;
}

function codeTable(names: readonly string[]): string {
  return names.map((name, code) => `${code} ${name}`).join(", ");
}

/** The value-encoding notes viewers show with the file; kept free of `$`, which would end the block. */
function describeEncoding(): string {
  return [
    "tpusim cycle trace, signals as in docs/TRACES.md.",
    `Time unit 100ps: cycle N starts at time ${VCD_TICKS_PER_CYCLE}*N (read ns as the cycle number);`,
    "clk rises at the start of every traced cycle and falls half-way through it.",
    `<unit>_state: ${codeTable(UNIT_STATE_NAMES)}.`,
    `stall (matrix unit): ${codeTable(STALL_CAUSES)}.`,
    "<unit>_pc and head_pc: instruction index, 32-bit two's complement; all ones (-1) means none.",
    "Counters (macs .. host_written_bytes): amount during that cycle, as in the CSV trace.",
  ]
    .map((line) => `   ${line}\n`)
    .join("");
}

export interface VcdSinkOptions {
  /** Text of `$date`; default: now. Pass a fixed text for byte-reproducible files. */
  readonly date?: string;
}

/** Writes the VCD. Runs must come in increasing cycle order. Ignores PE rows and instructions. */
export class VcdSink implements AbortableTraceSink {
  readonly from: number;
  readonly to: number;
  readonly every: number;
  readonly wantsPe = false;
  readonly peRegion = { r0: 0, r1: 0, c0: 0, c1: 0 };
  private readonly file: SinkFile;
  private readonly ids = VCD_SIGNALS.map((_, i) => identifierCode(i));
  /** Values last dumped and values of this row, indexed like VCD_SIGNALS (clk unused). */
  private readonly last = new Float64Array(VCD_SIGNALS.length);
  private readonly now = new Float64Array(VCD_SIGNALS.length);
  private lastCycle = -1;
  /** Repeated cycles after lastCycle whose clock pulses are not written yet. */
  private pulsesLeft = 0;
  private readonly run: WindowedRun = { start: 0, n: 0 };
  private readonly rise: string;
  private readonly fall: string;
  /**
   * A repeated cycle c >= 1 is `#${10 c}\n${rise}#${10 c + 5}\n${fall}`: with 10 ticks per cycle
   * both times are c's digits followed by one more, so the pulse is these parts around c's digits.
   */
  private readonly pulseParts: Uint8Array[];
  private readonly counter = new DecimalCounter();
  private readonly changeTexts = VCD_SIGNALS.map(() => new Map<number, string>());

  /** Opens the temp file now, so an unwritable path fails (OutputError) before the run starts. */
  constructor(path: string, window: TraceWindow = FULL_WINDOW, options: VcdSinkOptions = {}) {
    ({ from: this.from, to: this.to, every: this.every } = window);
    this.rise = this.change(0, 1);
    this.fall = this.change(0, 0);
    this.pulseParts = ["#", `0\n${this.rise}#`, `5\n${this.fall}`].map((part) => Buffer.from(part));
    this.file = new SinkFile(path);
    this.file.append(this.header(options.date ?? new Date().toUTCString()));
  }

  private header(date: string): string {
    const vars = VCD_SIGNALS.map(({ name, width }, i) => {
      const range = width > 1 ? ` [${width - 1}:0]` : "";
      return `$var wire ${width} ${this.ids[i]} ${name}${range} $end\n`;
    }).join("");
    return (
      `$date\n   ${date}\n$end\n` +
      `$version\n   tpusim trace sink\n$end\n` +
      `$comment\n${describeEncoding()}$end\n` +
      `$timescale 100ps $end\n` +
      `$scope module tpu $end\n${vars}$upscope $end\n` +
      `$enddefinitions $end\n`
    );
  }

  /** A value change's line, made once per signal and value (a traced epoch dumps millions of changes of a few thousand values). */
  private change(i: number, value: number): string {
    const texts = this.changeTexts[i];
    let text = texts.get(value);
    if (text === undefined) {
      if (texts.size >= MAX_CACHED_CHANGES) texts.clear();
      text = this.changeText(i, value);
      texts.set(value, text);
    }
    return text;
  }

  private changeText(i: number, value: number): string {
    const { width } = VCD_SIGNALS[i];
    if (width === 1) return `${value & 1}${this.ids[i]}\n`;
    const bits = width >= 32 ? value >>> 0 : value & ((1 << width) - 1);
    return `b${bits.toString(2)} ${this.ids[i]}\n`;
  }

  /**
   * The first sampled cycle of the run dumps what changed; the others repeat the row, so they get
   * only their clock pulse. Pulses not yet written are left for flush() when the file is full.
   */
  cycle(row: Readonly<TraceRow>, count: number): void {
    const { start, n } = runInWindow(this, row.cycle, count, this.run);
    if (n === 0) return;
    if (this.pulsesLeft > 0) this.writePulses(Number.POSITIVE_INFINITY);
    if (start <= this.lastCycle) {
      throw new Error(
        `VCD trace rows must come in increasing cycle order (${start} after ${this.lastCycle})`,
      );
    }
    const v = this.now;
    let k = 1;
    for (let u = 0; u < TRACE_UNITS.length; u++) {
      v[k++] = row.pc[u];
      v[k++] = row.state[u];
    }
    v[k++] = row.stall;
    v[k++] = row.headPc;
    readTraceCounters(row, v, k);

    const first = this.lastCycle < 0;
    const t = start * VCD_TICKS_PER_CYCLE;
    let out = first ? `#${t}\n$dumpvars\n` : `#${t}\n`;
    out += this.rise;
    for (let i = 1; i < v.length; i++) {
      if (first || v[i] !== this.last[i]) {
        out += this.change(i, v[i]);
        this.last[i] = v[i];
      }
    }
    if (first) out += "$end\n";
    out += `#${t + VCD_TICKS_PER_CYCLE / 2}\n${this.fall}`;
    this.file.append(out);
    this.lastCycle = start;
    if (n > 1) {
      this.pulsesLeft = n - 1;
      this.writePulses(0);
    }
  }

  /** Clock pulses of the repeated cycles after lastCycle, until the file is full but at least `atLeast`. */
  private writePulses(atLeast: number): void {
    const { every, rise, fall, pulseParts, counter } = this;
    const half = VCD_TICKS_PER_CYCLE / 2;
    let written = 0;
    while (this.pulsesLeft > 0 && (written < atLeast || !this.file.needsDrain)) {
      const n = Math.min(this.pulsesLeft, PULSES_PER_CHECK);
      const first = this.lastCycle + every;
      const last = first + (n - 1) * every;
      if (VCD_TICKS_PER_CYCLE === 10 && first >= 1 && isCountable(every) && isCountable(last * VCD_TICKS_PER_CYCLE)) {
        this.file.appendBytes(countedLinesBytes(pulseParts, n), (out, at) => {
          counter.set(first);
          return writeCountedLines(out, at, pulseParts, counter, n, every);
        });
      } else {
        let out = "";
        for (let cycle = first; cycle <= last; cycle += every) {
          const t = cycle * VCD_TICKS_PER_CYCLE;
          out += `#${t}\n${rise}#${t + half}\n${fall}`;
        }
        this.file.append(out);
      }
      this.lastCycle = last;
      this.pulsesLeft -= n;
      written += n;
    }
  }

  pe(_row: Readonly<PeTraceRow>): void {}

  instruction(_unit: TraceUnit, _pc: number, _text: string, _issue: number, _complete: number): void {}

  get needsFlush(): boolean {
    return this.pulsesLeft > 0 || this.file.needsDrain;
  }

  async flush(): Promise<void> {
    await this.file.drain();
    while (this.pulsesLeft > 0) {
      this.writePulses(0);
      await this.file.drain();
    }
  }

  /** Ends the dump at the end of the last traced cycle, so viewers show that cycle's full width. */
  async close(): Promise<void> {
    await this.flush();
    if (this.lastCycle >= 0) this.file.append(`#${(this.lastCycle + 1) * VCD_TICKS_PER_CYCLE}\n`);
    await this.file.commit();
  }

  abort(): Promise<void> {
    this.pulsesLeft = 0;
    return this.file.abort();
  }
}
