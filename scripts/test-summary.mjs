// Prints, after the suites ran, every failed test of every package with the first lines of its
// error, read from the JSON reports vitest wrote (`test-results/vitest.json` in each package).
// The full logs scroll by above; this keeps the reason for a red run at the end, where a reader
// of a long CI log looks first.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const packages = [
  'apps/worker',
  'apps/web',
  'packages/core',
  'packages/db',
  'packages/auth',
  'test',
];
const MAX_LINES = 25;

let failed = 0;
for (const pkg of packages) {
  const file = join(root, pkg, 'test-results/vitest.json');
  if (!existsSync(file)) {
    console.log(`\n? ${pkg}: no report (the run did not get that far, or vitest crashed)`);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  if (!report.success && report.numFailedTests === 0 && report.numFailedTestSuites === 0) {
    failed++;
    console.log(`\n✗ ${pkg}: unsuccessful with no failed test (an unhandled error; see its log)`);
  }
  for (const suite of report.testResults ?? []) {
    const name = relative(root, suite.name);
    const tests = (suite.assertionResults ?? []).filter((t) => t.status === 'failed');
    // Still "pending" in the final report: the test process died under it (vitest then reports
    // "Worker exited unexpectedly" as an unhandled error and may still call the file passed).
    const unfinished = (suite.assertionResults ?? []).filter((t) => t.status === 'pending');
    for (const t of unfinished) {
      failed++;
      console.log(`\n✗ ${name} › ${t.fullName}: never finished (the test process died?)`);
    }
    if (tests.length === 0 && suite.status === 'failed') {
      failed++;
      console.log(`\n✗ ${name}\n${clip(suite.message ?? '(no message)')}`);
    }
    for (const t of tests) {
      failed++;
      const duration = t.duration === undefined ? '' : ` (${Math.round(t.duration)} ms)`;
      console.log(`\n✗ ${name} › ${t.fullName}${duration}`);
      for (const m of t.failureMessages ?? []) console.log(clip(m));
    }
  }
}
console.log(failed === 0 ? 'test summary: no failed tests' : `\ntest summary: ${failed} failed`);

function clip(text) {
  const lines = String(text)
    .split('\n')
    .filter((l) => !l.includes('node_modules/'));
  const shown = lines.slice(0, MAX_LINES).map((l) => `    ${l}`);
  if (lines.length > MAX_LINES) shown.push(`    … ${lines.length - MAX_LINES} more lines`);
  return shown.join('\n');
}
