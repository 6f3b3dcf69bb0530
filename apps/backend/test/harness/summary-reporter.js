/**
 * Ends the run with one plain line, `Summary: N passed, N failed, N skipped`, that tools reading
 * test output understand whatever the runner (Jest's own summary says "N total" instead).
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = results;
    process.stdout.write(`\nSummary: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped\n`);
  }
}

module.exports = SummaryReporter;
