/**
 * Assembly text -> Program (docs/ISA.md, "Assembly syntax"). Pass 1 reads every line: it defines
 * labels and .equ symbols, lays out data and checks operand names. Pass 2 resolves operand values, so
 * instructions may name symbols defined further down. Directives that place data (.host, .weights,
 * .zero, .fill) need their numbers in pass 1 and so may only use symbols defined above them.
 */
import { UserInputError } from "../errors.js";
import { findSegmentOverlap } from "./binary.js";
import { OPCODE_BY_MNEMONIC } from "./opcodes.js";
import type { FieldSpec, Instruction, OpcodeSpec } from "./opcodes.js";
import type { DataMemory, Program } from "./program.js";

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INT = /^-?(0x[0-9a-f]+|[0-9]+)$/i;
const SYMBOL_EXPR = /^([A-Za-z_][A-Za-z0-9_]*)(?:([+-])(0x[0-9a-f]+|[0-9]+))?$/i;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const SPECIAL_F32: ReadonlyMap<string, number> = new Map([
  ["inf", Infinity],
  ["+inf", Infinity],
  ["-inf", -Infinity],
  ["nan", NaN],
]);
const ADDRESS_LIMIT = 2 ** 32;
/** Cap on one data segment, so that a typo like `.zero 4000000000` is an error, not an out-of-memory crash. */
export const MAX_SEGMENT_VALUES = 2 ** 26;
/** Longest chain of .equ symbols defined through each other: resolution recurses once per link. */
export const MAX_EQU_CHAIN = 1000;

type Token = { readonly kind: "word" | "=" | "," | ":"; readonly text: string; readonly col: number };
type Operand = { readonly name: Token; readonly value?: Token };
type PendingInstruction = { spec: OpcodeSpec; line: number; operands: ReadonlyMap<string, Operand> };
/** A label has its value at once; an .equ keeps its expression until first use. */
type SymbolEntry = { readonly line: number; readonly expr?: Token; value?: number; resolving?: boolean };
interface OpenSegment {
  readonly memory: DataMemory;
  readonly address: number;
  readonly line: number;
  readonly col: number;
  buf: Float32Array;
  length: number;
}

/** Words, `=`, `,` and `:` with 1-based columns; the caller has already cut off the comment. */
function lex(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s+|([=,:])|([^\s=,:]+)/y;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1]) tokens.push({ kind: m[1] as Token["kind"], text: m[1], col: m.index + 1 });
    else if (m[2]) tokens.push({ kind: "word", text: m[2], col: m.index + 1 });
  }
  return tokens;
}

class Assembler {
  private readonly symbols = new Map<string, SymbolEntry>();
  private readonly pending: PendingInstruction[] = [];
  private readonly segments: OpenSegment[] = [];
  /** The data section being filled; undefined while in .text. */
  private open: OpenSegment | undefined;
  /** .equ definitions being resolved right now (the current chain's length). */
  private chain = 0;

  constructor(private readonly file: string) {}

  private fail(line: number, col: number, detail: string, field?: string): never {
    throw new UserInputError(detail, { file: this.file, line, col, field });
  }

  readLine(raw: string, line: number): void {
    const cut = raw.search(/[;#]/);
    const tokens = lex(cut < 0 ? raw : raw.slice(0, cut));
    let i = 0;
    const labels: Token[] = [];
    for (; tokens[i]?.kind === "word" && tokens[i + 1]?.kind === ":"; i += 2) labels.push(tokens[i]);
    const head = tokens[i];
    if (head && head.kind !== "word") this.fail(line, head.col, `unexpected '${head.text}'`);
    const rest = tokens.slice(i + 1);
    // A label in front of a section switch names the new section's first address.
    const switches = head !== undefined && /^\.(host|weights|text)$/i.test(head.text);
    if (head && switches) this.directive(head, rest, line);
    for (const label of labels) this.define(label, line, { value: this.here() });
    if (head && !switches) {
      if (head.text.startsWith(".")) this.directive(head, rest, line);
      else this.instruction(head, rest, line);
    }
  }

  private here(): number {
    return this.open ? this.open.address + this.open.length : this.pending.length;
  }

  private define(name: Token, line: number, entry: Omit<SymbolEntry, "line">): void {
    if (!IDENT.test(name.text)) {
      const rule = "use letters, digits and _, not starting with a digit";
      this.fail(line, name.col, `invalid symbol name '${name.text}': ${rule}`);
    }
    const first = this.symbols.get(name.text);
    if (first) this.fail(line, name.col, `duplicate symbol '${name.text}' (first defined on line ${first.line})`);
    this.symbols.set(name.text, { line, ...entry });
  }

  private directive(head: Token, rest: Token[], line: number): void {
    const name = head.text.toLowerCase();
    rest.forEach((t, k) => {
      const between = t.kind === "," && rest[k - 1]?.kind === "word" && rest[k + 1]?.kind === "word";
      if (t.kind !== "word" && !between) this.fail(line, t.col, `malformed ${name} directive: unexpected '${t.text}'`);
    });
    const args = rest.filter((t) => t.kind === "word");
    const arity = (ok: boolean, usage: string) => {
      if (!ok) this.fail(line, head.col, `malformed directive: expected ${usage}, got ${args.length} operand(s)`);
    };
    if (name === ".text") {
      arity(args.length === 0, ".text with no operands");
      this.open = undefined;
    } else if (name === ".host" || name === ".weights") {
      arity(args.length === 1, `${name} ADDR`);
      const address = this.evalInt(args[0], line, undefined, true);
      if (address < 0 || address >= ADDRESS_LIMIT) {
        this.fail(line, args[0].col, `${name} address ${address} is outside 0..${ADDRESS_LIMIT - 1}`);
      }
      const memory: DataMemory = name === ".host" ? "host" : "weights";
      this.open = { memory, address, line, col: head.col, buf: new Float32Array(16), length: 0 };
      this.segments.push(this.open);
    } else if (name === ".f32") {
      arity(args.length >= 1, ".f32 value, value, ...");
      this.append(args.map((a) => this.f32Value(a, line)), line, head);
    } else if (name === ".zero") {
      arity(args.length === 1, ".zero N");
      this.append(new Float32Array(this.count(args[0], line)), line, head);
    } else if (name === ".fill") {
      arity(args.length === 2, ".fill N, value");
      const n = this.count(args[0], line);
      this.append(new Float32Array(n).fill(this.f32Value(args[1], line)), line, head);
    } else if (name === ".equ") {
      arity(args.length === 2, ".equ NAME, value");
      this.define(args[0], line, { expr: args[1] });
    } else {
      this.fail(line, head.col, `unknown directive '${head.text}' (known: .text .host .weights .f32 .zero .fill .equ)`);
    }
  }

  private count(tok: Token, line: number): number {
    const n = this.evalInt(tok, line, undefined, true);
    if (n < 0 || n > MAX_SEGMENT_VALUES) this.fail(line, tok.col, `count ${n} is outside 0..${MAX_SEGMENT_VALUES}`);
    return n;
  }

  private append(values: ArrayLike<number>, line: number, head: Token): void {
    const s = this.open;
    const fail = (detail: string) => this.fail(line, head.col, detail);
    if (!s) return fail(`${head.text} outside a data section: start one with .host ADDR or .weights ADDR`);
    const length = s.length + values.length;
    if (length > MAX_SEGMENT_VALUES) fail(`data segment too large: over ${MAX_SEGMENT_VALUES} values`);
    if (s.address + length > ADDRESS_LIMIT) fail(`data runs past element address ${ADDRESS_LIMIT - 1}`);
    if (length > s.buf.length) {
      const grown = new Float32Array(Math.max(length, 2 * s.buf.length));
      grown.set(s.buf.subarray(0, s.length));
      s.buf = grown;
    }
    s.buf.set(values, s.length);
    s.length = length;
  }

  private instruction(head: Token, rest: Token[], line: number): void {
    const spec = OPCODE_BY_MNEMONIC.get(head.text.toUpperCase());
    if (!spec) {
      const known = [...OPCODE_BY_MNEMONIC.keys()].join(", ");
      this.fail(line, head.col, `unknown mnemonic '${head.text}' (known: ${known})`);
    }
    if (this.open) {
      const where = `a .${this.open.memory} data section`;
      this.fail(line, head.col, `instruction ${spec.mnemonic} inside ${where}; write .text first`);
    }
    const fieldNames = spec.fields.map((f) => f.name).join(", ") || "none";
    const operands = new Map<string, Operand>();
    for (let k = 0; k < rest.length; ) {
      const name = rest[k];
      if (name.kind !== "word") this.fail(line, name.col, `expected a field name, found '${name.text}'`);
      const field = spec.fields.find((f) => f.name === name.text.toLowerCase());
      if (!field) {
        this.fail(line, name.col, `${spec.mnemonic} has no field '${name.text}' (fields: ${fieldNames})`, name.text);
      }
      if (operands.has(field.name)) this.fail(line, name.col, `duplicate field ${field.name}`, field.name);
      let value: Token | undefined;
      if (rest[k + 1]?.kind === "=") {
        value = rest[k + 2];
        // A word followed by `=` is the next operand's name, never this one's value.
        if (value?.kind !== "word" || rest[k + 3]?.kind === "=") {
          this.fail(line, rest[k + 1].col, `missing value after '${field.name}='`, field.name);
        }
        k += 3;
      } else {
        if (field.kind !== "flag") {
          this.fail(line, name.col, `field ${field.name} needs a value: ${field.name}=...`, field.name);
        }
        k += 1;
      }
      operands.set(field.name, { name, value });
      if (rest[k]?.kind === ",") {
        if (rest[k + 1] === undefined) this.fail(line, rest[k].col, "trailing comma after the last operand");
        k += 1;
      }
    }
    for (const f of spec.fields) {
      if ((f.kind === "u" || f.kind === "enum") && !operands.has(f.name)) {
        this.fail(line, head.col, `${spec.mnemonic}: missing field ${f.name}`, f.name);
      }
    }
    this.pending.push({ spec, line, operands });
  }

  /** `early`: called in pass 1, where only symbols defined above are known. */
  private evalInt(tok: Token, line: number, field: string | undefined, early = false): number {
    const t = tok.text;
    if (INT.test(t)) return t.startsWith("-") ? -Number(t.slice(1)) : Number(t);
    const m = SYMBOL_EXPR.exec(t);
    if (!m) {
      const what = FLOAT.test(t) ? `'${t}' is not an integer` : `malformed value '${t}'`;
      this.fail(line, tok.col, `${what}: expected a decimal or 0x hex integer, a symbol, or symbol+N`, field);
    }
    const sym = this.symbols.get(m[1]);
    if (!sym) {
      const hint = early ? " (directives that place data may only use symbols defined above them)" : "";
      this.fail(line, tok.col, `undefined symbol '${m[1]}'${hint}`, field);
    }
    if (sym.value === undefined) {
      const expr = sym.expr as Token;
      if (sym.resolving) this.fail(sym.line, expr.col, `circular definition of '${m[1]}'`);
      if (this.chain >= MAX_EQU_CHAIN) {
        this.fail(sym.line, expr.col, `'${m[1]}' is defined through a chain of more than ${MAX_EQU_CHAIN} .equ symbols`);
      }
      sym.resolving = true;
      this.chain++;
      sym.value = this.evalInt(expr, sym.line, undefined, early);
      this.chain--;
      sym.resolving = false;
    }
    const offset = m[3] === undefined ? 0 : Number(m[3]);
    return m[2] === "-" ? sym.value - offset : sym.value + offset;
  }

  private f32Value(tok: Token, line: number, field?: string): number {
    const t = tok.text.toLowerCase();
    const special = SPECIAL_F32.get(t);
    if (special !== undefined) return special;
    if (!FLOAT.test(t)) {
      this.fail(line, tok.col, `'${tok.text}' is not an f32 value: write a decimal, 1.5e-3, inf, -inf or nan`, field);
    }
    const v = Math.fround(Number(t));
    if (!Number.isFinite(v)) {
      this.fail(line, tok.col, `${tok.text} is beyond the binary32 range; write inf if meant`, field);
    }
    return v;
  }

  private fieldValue(field: FieldSpec, op: Operand | undefined, line: number): number {
    if (field.kind === "flag") {
      if (!op?.value) return op ? 1 : 0;
      if (op.value.text === "0" || op.value.text === "1") return Number(op.value.text);
      this.fail(line, op.value.col, `flag ${field.name} takes 0 or 1, or the bare word ${field.name}`, field.name);
    }
    if (field.kind === "f32") return op?.value ? this.f32Value(op.value, line, field.name) : 1;
    const tok = op?.value as Token;
    if (field.kind === "enum") {
      const values = field.values ?? [];
      const index = values.indexOf(tok.text.toLowerCase());
      if (index < 0) {
        this.fail(line, tok.col, `unknown ${field.name} '${tok.text}' (valid: ${values.join(", ")})`, field.name);
      }
      return index;
    }
    const v = this.evalInt(tok, line, field.name);
    if (v < 0) this.fail(line, tok.col, `value ${v} is negative; ${field.name} is unsigned`, field.name);
    const max = 2 ** field.bits - 1;
    const width = `${field.bits} bits, maximum ${max}`;
    if (v > max) this.fail(line, tok.col, `value ${v} is too wide for ${field.name}: ${width}`, field.name);
    return v;
  }

  finish(): Program {
    const instructions: Instruction[] = this.pending.map(({ spec, line, operands }) => {
      const f: Record<string, number> = {};
      for (const field of spec.fields) f[field.name] = this.fieldValue(field, operands.get(field.name), line);
      return { op: spec.mnemonic, f, source: line };
    });
    // Evaluate every .equ, so that a bad one is reported even when nothing uses it.
    for (const [name, sym] of this.symbols) this.evalInt({ kind: "word", text: name, col: 1 }, sym.line, undefined);
    const overlap = findSegmentOverlap(this.segments);
    if (overlap) {
      const [a, b] = overlap.map((i) => this.segments[i]);
      const span = (s: OpenSegment) => `${s.address}..${s.address + s.length - 1}`;
      this.fail(b.line, b.col, `${b.memory} data ${span(b)} overlaps the segment from line ${a.line} (${span(a)})`);
    }
    const data = this.segments.map((s) => ({ memory: s.memory, address: s.address, values: s.buf.slice(0, s.length) }));
    return { instructions, data };
  }
}

/** `file` names the source in error messages; without it line and column would not be printed. */
export function assemble(text: string, file = "<input>"): Program {
  const asm = new Assembler(file);
  text.split(/\r?\n/).forEach((raw, i) => asm.readLine(raw, i + 1));
  return asm.finish();
}
