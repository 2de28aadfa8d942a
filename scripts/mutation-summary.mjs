#!/usr/bin/env node
// Summarises a Stryker JSON report (reports/mutation/mutation.json by default) as the markdown
// tables in docs/MUTATION.md: mutants per status, overall and per file, and every survivor and
// uncovered mutant with its line, mutator and replacement. Usage:
//   node scripts/mutation-summary.mjs [report.json ...]   (several reports are merged, e.g. slices)
import { readFileSync } from "node:fs";

const paths = process.argv.slice(2);
if (paths.length === 0) paths.push("reports/mutation/mutation.json");
const files = {};
for (const p of paths) Object.assign(files, JSON.parse(readFileSync(p, "utf8")).files);

const COLUMNS = ["Killed", "Timeout", "Survived", "NoCoverage", "RuntimeError", "CompileError", "Ignored"];
const zero = () => Object.fromEntries(COLUMNS.map((c) => [c, 0]));
const total = zero();
const rows = [];
const open = [];
for (const [name, f] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
  const n = zero();
  for (const m of f.mutants) {
    n[m.status] = (n[m.status] ?? 0) + 1;
    total[m.status] = (total[m.status] ?? 0) + 1;
    if (m.status === "Survived" || m.status === "NoCoverage") {
      const line = f.source.split("\n")[m.location.start.line - 1].trim();
      open.push(`| ${name}:${m.location.start.line} | ${m.status} | ${m.mutatorName} | \`${(m.replacement ?? "").replace(/\s+/g, " ").replace(/\|/g, "\\|").slice(0, 70)}\` | \`${line.replace(/\|/g, "\\|").slice(0, 80)}\` |`);
    }
  }
  rows.push([name, n]);
}
const score = (n) => {
  const detected = n.Killed + n.Timeout;
  const valid = detected + n.Survived + n.NoCoverage;
  return valid === 0 ? "—" : `${((100 * detected) / valid).toFixed(1)} %`;
};
const line = (name, n) => `| ${name} | ${n.Killed} | ${n.Timeout} | ${n.Survived} | ${n.NoCoverage} | ${n.Ignored + n.RuntimeError + n.CompileError} | ${score(n)} |`;
console.log("| file | killed | timeout | survived | no coverage | ignored/errors | score |");
console.log("|---|---:|---:|---:|---:|---:|---:|");
for (const [name, n] of rows) console.log(line(name, n));
console.log(line("**all**", total));
console.log("\n| where | status | mutator | replacement | original line |\n|---|---|---|---|---|");
for (const o of open) console.log(o);
