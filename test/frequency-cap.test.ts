// Frequency caps per number across the deployment's campaigns: the pure arithmetic, and the
// store's record of calls (reserve, retry, release, two campaigns at once) on PostgreSQL and
// on the embedded store.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DAY_MS, frequencyCapSchema } from '../src/domain/frequency-cap';
import { openTestStore, type StoreKind, type TestStore } from './support/database';

const T0 = Date.parse('2026-12-01T12:00:00Z');

describe('frequency caps in the spec', () => {
  test('a cap names its field and reason: whole calls from 1, days 1 to 30 as communicationLimits', () => {
    const issues = (input: unknown): string[] => {
      const parsed = frequencyCapSchema.safeParse(input);
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    assert.deepEqual(issues({ maxCallsPerNumber: 3, days: 7 }), []);
    assert.deepEqual(issues({ maxCallsPerNumber: 0, days: 31 }), ['maxCallsPerNumber: at least 1 call', "days: at most 30 days (as Outbound Campaigns v2's communicationLimits)"]);
    assert.deepEqual(issues({ maxCallsPerNumber: 1.5, days: 7 }), ['maxCallsPerNumber: a whole number of calls, 1 or more']);
  });
});

for (const kind of ['postgres', 'pglite'] as StoreKind[]) {
  describe(`the record of calls by number (${kind})`, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(kind);
    });
    after(async () => {
      await t?.close();
    });

    test('a cap of 2 in 7 days counts calls of every campaign, allows a retried reservation, and forgets a failed send', async () => {
      const cap = { maxCallsPerNumber: 2, days: 7 };
      const n = '+14155550100';
      const { store } = t;
      await store.recordSends('campaign-a', [{ index: 0, send: 1, phone: n }], T0);
      // Campaign b: its first entry takes the number's second call, its second entry (same number) is over.
      const first = await store.reserveSends(
        'campaign-b',
        [
          { index: 0, send: 1, phone: n },
          { index: 1, send: 1, phone: n },
          { index: 2, send: 1, phone: '+14155550101' },
        ],
        cap,
        T0 + DAY_MS,
      );
      assert.deepEqual([...first], [[1, T0 + 7 * DAY_MS]], 'only entry 1 waits, until campaign a’s call is 7 days old');
      // The same activity retried: its own reservations stay, nothing new is refused.
      const again = await store.reserveSends(
        'campaign-b',
        [
          { index: 0, send: 1, phone: n },
          { index: 2, send: 1, phone: '+14155550101' },
        ],
        cap,
        T0 + DAY_MS + 1000,
      );
      assert.deepEqual([...again], []);
      // Connect failed entry 0's send: no call, so the number has room again.
      await store.releaseSends('campaign-b', [{ index: 0, send: 1 }]);
      const after = await store.reserveSends('campaign-b', [{ index: 1, send: 1, phone: n }], cap, T0 + 2 * DAY_MS);
      assert.deepEqual([...after], []);
      assert.deepEqual([...(await store.overCapAmong([n, '+14155550101', '+14155550102'], cap, T0 + 2 * DAY_MS))], [n]);
      assert.deepEqual([...(await store.overCapAmong([n], cap, T0 + 8 * DAY_MS))], [], 'campaign a’s call has aged out');
    });

    test('campaigns reserving the last call of the same numbers at once: each number is granted exactly once', async () => {
      const cap = { maxCallsPerNumber: 1, days: 1 };
      const numbers = Array.from({ length: 2000 }, (_, i) => `+1415556${String(i).padStart(4, '0')}`);
      // Connections open before the race, so the six calls run side by side rather than one per new connection.
      await Promise.all(Array.from({ length: 6 }, () => t.database.pool.query('SELECT pg_sleep(0.05)')));
      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, c) =>
          t.store.reserveSends(
            `campaign-race-${c}`,
            numbers.map((phone, index) => ({ index, send: 1, phone })),
            cap,
            T0,
          ),
        ),
      );
      // Each answer names the entries refused; every number must be granted to one campaign only.
      const granted = numbers.map((_, index) => answers.filter((a) => !a.has(index)).length);
      assert.deepEqual(
        granted.filter((n) => n !== 1),
        [],
        `numbers granted other than once: ${granted.filter((n) => n !== 1).length}`,
      );
    });
  });
}
