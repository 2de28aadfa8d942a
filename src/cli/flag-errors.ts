/**
 * Flag mistakes in one line: the problem, a suggestion when a flag or command is misspelt, and a
 * pointer to the command's help (instead of printing the whole help first). A flag given twice is
 * reported as such, before yargs turns it into an array ("got 0,32").
 */
import type { Argv } from "yargs";
import { UsageError } from "./options.js";

/** What the parser knew when it failed: filled by the middleware below, read by the fail handler. */
export interface FlagContext {
  /** Long option names of the command being parsed (aliases excluded). */
  options: string[];
  /** Command names, for a misspelt command. */
  commands: string[];
}

/**
 * Middleware run before validation: records the command's options and rejects a non-array flag
 * given more than once.
 */
export function flagChecks(context: FlagContext) {
  // yargs passes itself as the second argument (its typings declare only the first).
  return (argv: Record<string, unknown>, y?: Argv): void => {
    if (y === undefined) return;
    const o = (y as unknown as { getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]>; array: string[] } }).getOptions();
    const aliases = new Set(Object.values(o.alias).flat().filter((a) => a.length === 1));
    context.options = Object.keys(o.key).filter((k) => !aliases.has(k) && k.length > 1);
    for (const name of context.options) {
      const v = argv[name];
      if (!Array.isArray(v) || o.array.includes(name)) continue;
      const shown = v.map((x) => JSON.stringify(x)).join(", ");
      throw new UsageError(`--${name} was given ${v.length} times (${shown}); give it once`);
    }
  };
}

/** The one-line message for a usage error, with a "did you mean" where one fits. */
export function explainUsage(message: string, context: FlagContext): string {
  const text = message.replace(/\s*\n\s*/g, " ");
  const command = /^Did you mean (\S+)\?$/.exec(text);
  if (command) {
    const given = process.argv.slice(2).find((a) => !a.startsWith("-"));
    return `unknown command "${given}"; did you mean ${command[1]}?`;
  }
  const unknown = /^Unknown arguments?: (.*)$/.exec(text);
  if (!unknown) return text;
  const flags = new Set(process.argv.slice(2).filter((a) => a.startsWith("-")).map((a) => a.replace(/^-+/, "").replace(/=.*$/, "")));
  const words = unknown[1].split(",").map((w) => w.trim());
  const hints: string[] = [];
  for (const word of words) {
    // yargs names a misspelt negation (--no-simulat) by its base word (simulat).
    const negated = !flags.has(word) && flags.has(`no-${word}`);
    const isFlag = negated || flags.has(word);
    const near = nearest(word, isFlag ? context.options : context.commands);
    const dash = negated ? "--no-" : isFlag ? "--" : "";
    if (near !== undefined) hints.push(words.length === 1 ? `${dash}${near}` : `${dash}${near} for ${dash}${word}`);
  }
  return hints.length === 0 ? text : `${text}; did you mean ${hints.join(", ")}?`;
}

/** The command named on the command line, if it is one of `commands`. */
export function commandOnLine(commands: readonly string[]): string | undefined {
  const first = process.argv.slice(2).find((a) => !a.startsWith("-"));
  return first !== undefined && commands.includes(first) ? first : undefined;
}

/** The closest candidate by edit distance, if close enough to be a likely typo. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestScore) {
      bestScore = d;
      best = c;
    }
  }
  return best !== undefined && bestScore <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
