/**
 * Under `npm run test:unit` (CONNECT_DIALER_UNIT_TESTS, set by scripts/run-tests.ts --unit) the
 * supports that start a server or install a tool refuse, so a file that needs one fails at once
 * instead of quietly starting a server of its own.
 */
export function refuseInUnitTests(what: string): void {
  if (process.env.CONNECT_DIALER_UNIT_TESTS) {
    throw new Error(`this test needs ${what}: it is not a unit test; take it out of unitTestFiles in scripts/run-tests.ts`);
  }
}
