// The calling window's clock (src/activities/calling-clock.ts) and where a zone comes from
// (src/activities/time-zones.ts): pure code over the runtime's IANA data, with fixed instants.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { instantOf, windowAt } from '../src/activities/calling-clock';
import { entryTimeZone } from '../src/activities/time-zones';

const iso = (t: number | undefined): string | undefined => (t === undefined ? undefined : new Date(t).toISOString());
const at = (s: string): number => Date.parse(s);

describe('calling window clock (IANA data, DST)', () => {
  test('a window across the spring-forward hour: SUN 02:30-04:00 in New York on 2027-03-14 opens at 03:00 EDT (07:00Z), closes at 04:00 EDT (08:00Z)', () => {
    const window = { hours: { SUN: [{ from: '02:30', to: '04:00' }] } };
    const before = windowAt(window, 'America/New_York', at('2027-03-13T12:00:00Z'));
    assert.deepEqual(before.open ? 'open' : iso(before.opensAt), '2027-03-14T07:00:00.000Z');
    const inside = windowAt(window, 'America/New_York', at('2027-03-14T07:30:00Z'));
    assert.equal(inside.open ? iso(inside.closesAt) : 'closed', '2027-03-14T08:00:00.000Z');
    // Phoenix keeps MST: the same local hours open at 09:30Z.
    const phoenix = windowAt(window, 'America/Phoenix', at('2027-03-13T12:00:00Z'));
    assert.equal(phoenix.open ? 'open' : iso(phoenix.opensAt), '2027-03-14T09:30:00.000Z');
  });

  test('01:00-04:00 on the spring-forward day is two hours long; 01:30 on the fall-back day is its first occurrence', () => {
    const window = { hours: { SUN: [{ from: '01:00', to: '04:00' }] } };
    const open = windowAt(window, 'America/New_York', at('2027-03-14T06:30:00Z'));
    assert.equal(open.open ? iso(open.closesAt) : 'closed', '2027-03-14T08:00:00.000Z');
    assert.equal(iso(instantOf('America/New_York', Date.UTC(2027, 10, 7, 1, 30))), '2027-11-07T05:30:00.000Z');
  });

  test('restricted dates and days are the local calendar: a Friday 09:00-17:00 window seen from Tokyo on Thursday 16:00Z opens Friday 09:00 JST unless restricted', () => {
    const window = { hours: { FRI: [{ from: '09:00', to: '17:00' }] } };
    const now = at('2026-12-03T16:00:00Z'); // Friday 01:00 in Tokyo
    const next = windowAt(window, 'Asia/Tokyo', now);
    assert.equal(next.open ? 'open' : iso(next.opensAt), '2026-12-04T00:00:00.000Z');
    const restricted = windowAt({ ...window, restrictedDates: ['2026-12-04'] }, 'Asia/Tokyo', now);
    assert.equal(restricted.open ? 'open' : iso(restricted.opensAt), '2026-12-11T00:00:00.000Z');
    const never = windowAt({ hours: { FRI: [{ from: '09:00', to: '17:00' }] }, restrictedDates: [] }, 'Asia/Tokyo', at('2026-12-04T01:00:00Z'));
    assert.equal(never.open ? iso(never.closesAt) : 'closed', '2026-12-04T08:00:00.000Z');
  });
});

describe('where an entry’s time zone comes from', () => {
  const window = { timeZoneAttribute: 'TimeZone' };
  const number = (address: string) => ({ CustomerEndpoint: { Address: address } });
  test('the TimeZone attribute first, then a one-zone area code or country, then the default; else no zone with the reason, never a guess', () => {
    assert.deepEqual(entryTimeZone({ ...number('+12125550100'), Attributes: { TimeZone: 'America/Denver' } }, window), { zone: 'America/Denver', source: 'attribute' });
    assert.deepEqual(entryTimeZone(number('+12125550100'), window), { zone: 'America/New_York', source: 'area-code' });
    assert.deepEqual(entryTimeZone(number('+81312345678'), window), { zone: 'Asia/Tokyo', source: 'country' });
    assert.deepEqual(entryTimeZone(number('+18505550100'), { ...window, defaultTimeZone: 'America/Chicago' }), { zone: 'America/Chicago', source: 'default' });
    const unknown = entryTimeZone(number('+18505550100'), window);
    assert.equal(unknown.zone, undefined);
    assert.match('reason' in unknown ? unknown.reason : '', /no time zone/);
    const bad = entryTimeZone({ ...number('+12125550100'), Attributes: { TimeZone: 'Mars/Olympus' } }, window);
    assert.match('reason' in bad ? bad.reason : '', /"Mars\/Olympus" is not an IANA time zone/);
  });
});
