#!/usr/bin/env node
// Counts Stryker's mutants per file and per mutator for the files given, with Stryker's own
// instrumenter and no test run (seconds): the size of a scope before running it (docs/MUTATION.md).
// The count includes the static mutants that `ignoreStatic` later skips. Usage:
//   node scripts/mutation-count.mjs src/sim/*.ts src/hw/*.ts
import { readFileSync } from "node:fs";
import { Instrumenter } from "@stryker-mutator/instrumenter";
const log = { isDebugEnabled: () => false, isTraceEnabled: () => false, isInfoEnabled: () => false, debug() {}, trace() {}, info() {}, warn() {}, error() {}, fatal() {} };
const files = process.argv.slice(2).map((name) => ({ name, content: readFileSync(name, "utf8"), mutate: true }));
const inst = new Instrumenter(log);
const res = await inst.instrument(files, { ignorers: [], plugins: null, excludedMutations: [], noHeader: false });
const byFile = {}, byMut = {};
for (const m of res.mutants) {
  byFile[m.fileName] = (byFile[m.fileName] ?? 0) + 1;
  byMut[m.mutatorName] = (byMut[m.mutatorName] ?? 0) + 1;
}
console.log(JSON.stringify({ total: res.mutants.length, byFile, byMut }, null, 1));
