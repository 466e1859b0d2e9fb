// Mocha reporter: the usual spec output, plus the totals appended as one JSON line to the file named by
// TROVE_TEST_COUNTS, so .ci/run can sum unit, integration and e2e runs into its final "N passed, N failed".
'use strict';
const fs = require('node:fs');
const Mocha = require('mocha');

class CountReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    let passed = 0;
    let failed = 0;
    let pending = 0;
    runner.on('pass', () => { passed += 1; });
    runner.on('fail', () => { failed += 1; });
    runner.on('pending', () => { pending += 1; });
    runner.once('end', () => {
      const file = process.env.TROVE_TEST_COUNTS;
      if (file) fs.appendFileSync(file, `${JSON.stringify({ suite: process.env.TROVE_TEST_SUITE || 'tests', passed, failed, pending })}\n`);
    });
  }
}

module.exports = CountReporter;
