// Writes examples/demo-dial-list.csv, the dial list `npm start` runs: 3,000 rows, about 2%
// of them bad on purpose. Seeded, so the committed file is what this prints.
//   npx tsx examples/generate-demo-list.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkPhoneNumber } from '../src/domain/entry-validation';

const ROWS = 3000;
const SEED = 20250601;
const firstNames = ['Ada', 'Grace', 'Alan', 'Linus', 'Margaret', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Tim', 'Katherine', 'Dennis', 'Hedy', 'Niklaus'];
const tiers = ['Gold', 'Silver', 'Silver', 'Bronze', 'Bronze', 'Bronze'];

/** Numbers from ranges reserved for fiction and documentation, in a few countries and spellings. */
const goodNumber = [
  (n: number) => `+1415555${pad(n % 10000, 4)}`,
  (n: number) => `+1 (212) 555-${pad(n % 10000, 4)}`,
  (n: number) => `+44 20 7946 0${pad(n % 1000, 3)}`,
  (n: number) => `+61491570${pad(n % 1000, 3)}`,
  (n: number) => `+1 646 555 ${pad(n % 10000, 4)}`,
];

/** The deliberate mistakes: each is REJECTED at staging with its field and reason. */
const badNumber = ['555-0100', '+1415555', 'not-a-number', '+999123456', '0044 20 7946 0123', '+1 415 555 01', '(415) 555-0123'];

const random = mulberry32(SEED);
const rows: string[][] = [];
const bad = { malformed: 0, missing: 0, duplicate: 0 };
for (let i = 1; i <= ROWS; i++) {
  let id = `c-${pad(i, 4)}`;
  let phone = pick(goodNumber)(i);
  if (i % 50 === 17) {
    phone = pick(badNumber);
    bad.malformed++;
  } else if (i === 1234 || i === 2345) {
    phone = '';
    bad.missing++;
  } else if (i === 1500 || i === 2500) {
    id = `c-${pad(i - 1, 4)}`; // the row above's id again
    bad.duplicate++;
  } else if (!('e164' in checkPhoneNumber(phone, 'valid'))) {
    throw new Error(`generator bug: ${phone} should be a valid number`);
  }
  rows.push([id, phone, pick(firstNames), pick(tiers)]);
}

const csv = ['RequestIdentifier,PhoneNumber,FirstName,AccountTier', ...rows.map((r) => r.map(csvField).join(','))].join('\n') + '\n';
writeFileSync(join(__dirname, 'demo-dial-list.csv'), csv);
console.log(`demo-dial-list.csv: ${ROWS} rows; bad on purpose: ${JSON.stringify(bad)} (${bad.malformed + bad.missing + bad.duplicate} in all)`);

function pick<T>(list: readonly T[]): T {
  return list[Math.floor(random() * list.length)] as T;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
