// Mocha's spec reporter, plus the time each test file took, printed at the end (slowest first), so a
// slow file is seen the day it lands. Used by `npm test` (--reporter test/support/timing-reporter.cjs).
'use strict';
const path = require('node:path');
const Mocha = require('mocha');

const { EVENT_SUITE_BEGIN, EVENT_SUITE_END, EVENT_RUN_END } = Mocha.Runner.constants;

class TimingReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const started = new Map();
    const perFile = new Map();
    runner.on(EVENT_SUITE_BEGIN, (suite) => {
      if (suite.file && !started.has(suite.file)) started.set(suite.file, Date.now());
    });
    runner.on(EVENT_SUITE_END, (suite) => {
      if (suite.file && started.has(suite.file)) perFile.set(suite.file, Date.now() - started.get(suite.file));
    });
    runner.once(EVENT_RUN_END, () => {
      const rows = [...perFile].sort((a, b) => b[1] - a[1]);
      const total = rows.reduce((sum, [, ms]) => sum + ms, 0);
      process.stdout.write(`\n  time per test file (${(total / 1000).toFixed(0)} s in all):\n`);
      for (const [file, ms] of rows) process.stdout.write(`  ${(ms / 1000).toFixed(1).padStart(8)} s  ${path.relative(process.cwd(), file)}\n`);
    });
  }
}

module.exports = TimingReporter;
