import { defineConfig } from 'vitest/config';

// Node 20 is supported here (the SDK's notice about its future minimum is noise in test output).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * Integration files that must run alone on the shared emulator, one after another, after the
 * others: they change what every other file sees (a function's configuration, the stack's whole
 * write traffic), or they measure timing (broadcast frame ratios, the console's live view) and
 * would measure their neighbours instead.
 */
const SERIAL = [
  'broadcast', // frame delivery ratios; changes the ticker function's configuration
  'broadcast-events', // delivery ratios on the events transport; changes the ticker function's configuration
  'broadcast-recovery', // a resume snapshot within 1 s at 1 Hz; a slowed client's missed counts
  'console', // a browser on a live campaign
  'concurrency', // saturates the emulator's Lambda pool on purpose
  'docs', // docs/policies.md changes a dev policy row; the README's live campaign (its examples read ./.local)
  'emulator-ws', // a slowed WebSocket client's frame rate against a normal one's
  'dead-letters', // breaks consumers from outside (their configuration)
  'faults-relay', // breaks the outbox relay
  'faults-scheduler', // breaks the scheduler's target
  'fuzz', // counts every table's items: needs a quiet platform
  'localization', // breaks the translation provider
].map((name) => `test/integration/${name}.test.ts`);

/**
 * Files that change what every other file sees, run one after another on a second platform of
 * their own (its own emulator and deploy: TEMPORA_LOCAL_PORT/TEMPORA_LOCAL_DIR). `npm run
 * test:integration` runs them in a second vitest process beside the first platform's projects:
 * CI's wall time is the longer of the two columns, not their sum. (In one process, as
 * `vitest run --project 'integration*'`, they run last, on their own platform.)
 */
const ISOLATED = [
  'auth', // rotates the platform's signing key: other files' dev tokens are refused once its grace window ends
  'demos', // changes the user/dev/user policy row; a live broadcast
  'policies', // changes policy rows
  'scheduler', // changes the user/dev/user policy row
  'scheduler-operations', // not exclusive, but minutes of waiting for schedules: it balances the columns
].map((name) => `test/integration/${name}.test.ts`);

/** The second platform: its own port (the restart test's emulator takes 4567) and files. */
const SECOND_PLATFORM = { TEMPORA_LOCAL_PORT: '4568', TEMPORA_LOCAL_DIR: '.local/second' };

const integration = {
  environment: 'node' as const,
  // One emulator and one deploy per platform (the setup is shared in-process).
  globalSetup: ['test/integration/global-setup.ts'],
  testTimeout: 120_000,
  hookTimeout: 600_000,
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // Every core (vitest's default leaves one free): on a 2-core runner 119 s → 77 s.
          maxWorkers: '100%',
        },
      },
      {
        // Files that share nothing but the deployed stack (their own ids, tags and records; the
        // restart test runs its own emulator): two at a time, while the other one waits.
        test: {
          ...integration,
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: [...SERIAL, ...ISOLATED],
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // One file at a time on the second platform.
        test: {
          ...integration,
          name: 'integration-isolated',
          include: ISOLATED,
          env: SECOND_PLATFORM,
          fileParallelism: false,
          sequence: { groupOrder: 3 },
        },
      },
      {
        test: {
          ...integration,
          name: 'integration-serial',
          include: SERIAL,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
