/**
 * One Jest project per test folder; `npm test` runs them all. Middy is ESM-only, so it is
 * transformed along with our TypeScript by SWC.
 */
// The SDK's notice that its 2027 releases need Node 22 is for deployers; workers inherit this.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Tests provoke refusals, throttling and failures on purpose: the handlers' log lines about them
// (WARN, ERROR with a stack) would read as real failures among Jest's output. Silent; a test file
// that reads the logs sets its own level first (test/fixtures/log-at-info.ts) and captures them.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

const transform = { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
const transformIgnorePatterns = ['/node_modules/(?!(@middy|aws-local-stepfunctions)/)'];

const project = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  roots: [`<rootDir>/test/${name}`],
  testMatch: ['**/*.test.ts'],
  transform,
  transformIgnorePatterns,
  ...extra,
});

module.exports = {
  // Most test files wait on emulators, a browser or the workflow rather than on the CPU: two at a
  // time, even on two cores (Jest's default there is one), cut the suite's time by a third.
  maxWorkers: 2,
  projects: [
    project('unit'),
    // testTimeout is not a per-project option: the slower projects set theirs in a setup file.
    project('integration', { setupFilesAfterEnv: ['<rootDir>/test/fixtures/slow-tests.ts'] }),
    project('e2e', { setupFilesAfterEnv: ['<rootDir>/test/fixtures/slow-tests.ts'] }),
    project('infra', { setupFilesAfterEnv: ['<rootDir>/test/fixtures/slow-tests.ts'] }),
    // Emails rendered in Debian's Chromium (playwright-core); skipped only off CI without it.
    project('browser', { setupFilesAfterEnv: ['<rootDir>/test/fixtures/slow-tests.ts'] }),
  ],
};
