// Reads the JSON reports vitest wrote (`test-results/vitest.json` in each package) after the
// suites ran.
//   node scripts/test-summary.mjs          lists every failed test with the first lines of its
//                                          error, and exits 1 if there is any: the full logs
//                                          scroll by above, and a reader of a long CI log looks
//                                          at its end first.
//
// A file whose test process died under it (vitest: "Worker exited unexpectedly") has tests still
// "pending" in its report: they are failures here, never rerun. Dying is what the chaos suites
// look for; to see why, run the file again with `ulimit -c unlimited` and read the core with gdb
// (that is how librdkafka's NULL dereference on NOT_COORDINATOR was found).
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const packages = [
  'apps/worker',
  'apps/web',
  'packages/core',
  'packages/kafka',
  'packages/db',
  'packages/auth',
  'test',
];
const MAX_LINES = 25;

const read = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined);
const unfinishedOf = (suite) =>
  (suite.assertionResults ?? []).filter((t) => t.status === 'pending');
const failedOf = (suite) => (suite.assertionResults ?? []).filter((t) => t.status === 'failed');

let failed = 0;
for (const pkg of packages) {
  const report = read(join(root, pkg, 'test-results/vitest.json'));
  if (!report) {
    failed++;
    console.log(`\n? ${pkg}: no report (the run did not get that far, or vitest crashed)`);
    continue;
  }
  const suites = report.testResults ?? [];
  if (!report.success && report.numFailedTests === 0 && report.numFailedTestSuites === 0) {
    failed++;
    console.log(`\n✗ ${pkg}: unsuccessful with no failed test (an unhandled error; see its log)`);
  }
  for (const suite of suites) {
    const name = relative(root, suite.name);
    const tests = failedOf(suite);
    // Still "pending" in the final report: the test process died under it (vitest then reports
    // "Worker exited unexpectedly" as an unhandled error and may still call the file passed).
    for (const t of unfinishedOf(suite)) {
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
process.exit(failed === 0 ? 0 : 1);

function clip(text) {
  const lines = String(text)
    .split('\n')
    .filter((l) => !l.includes('node_modules/'));
  const shown = lines.slice(0, MAX_LINES).map((l) => `    ${l}`);
  if (lines.length > MAX_LINES) shown.push(`    … ${lines.length - MAX_LINES} more lines`);
  return shown.join('\n');
}
