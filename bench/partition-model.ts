// A model of one campaign on a Connect task queue whose shared rate the Temporal server splits
// over its partitions (docs/architecture.md, "The scheduling pipeline and the shared rate"):
// each partition dispatches its own FIFO at rate / partitions with a burst of its own, and every
// batch lands on a partition at random. The campaign keeps --ahead batches scheduled and
// schedules the next as soon as one is answered. No Temporal, no Connect: it shows what random
// placement alone costs, which no backlog can win back (the busiest partition's share of the
// list sets the end).
//   npx tsx bench/partition-model.ts [--rate 10] [--partitions 4] [--burst 3] [--latency-ms 50] [--ahead 60] [--batches 800,2400,8000] [--seeds 50]
// Prints figures; asserts nothing.
import { parseArgs } from 'node:util';
import { seededRandom } from '../src/emulator/random';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '10' },
    partitions: { type: 'string', default: '4' },
    /** Tokens a partition saves up while it has nothing to dispatch (the server's burst for it). */
    burst: { type: 'string', default: '3' },
    'latency-ms': { type: 'string', default: '50' },
    ahead: { type: 'string', default: '60' },
    batches: { type: 'string', default: '800,2400,8000' },
    seeds: { type: 'string', default: '50' },
  },
});
const rate = Number(values.rate);
const partitions = Number(values.partitions);
const burst = Number(values.burst);
const latencyMs = Number(values['latency-ms']);
const ahead = Number(values.ahead);
const seeds = Number(values.seeds);

/** Milliseconds from the first dispatch to the last of `total` batches. */
function busyMs(total: number, seed: number): number {
  const random = seededRandom(seed);
  const perMs = rate / partitions / 1000;
  const tokens = new Array<number>(partitions).fill(burst);
  const waiting = new Array<number>(partitions).fill(0);
  const answers: number[] = []; // answer times of dispatched batches, in order (latency is constant)
  let scheduled = 0;
  let answered = 0;
  let first: number | undefined;
  let last = 0;
  for (let now = 0; answered < total; now++) {
    while (answers.length > 0 && (answers[0] ?? Infinity) <= now) {
      answers.shift();
      answered++;
    }
    while (scheduled < total && scheduled - answered < ahead) {
      const p = Math.floor(random() * partitions);
      waiting[p] = (waiting[p] ?? 0) + 1;
      scheduled++;
    }
    for (let p = 0; p < partitions; p++) {
      tokens[p] = Math.min(burst, (tokens[p] ?? 0) + perMs);
      while ((waiting[p] ?? 0) > 0 && (tokens[p] ?? 0) >= 1) {
        tokens[p] = (tokens[p] ?? 0) - 1;
        waiting[p] = (waiting[p] ?? 0) - 1;
        first ??= now;
        last = now;
        answers.push(now + latencyMs);
      }
    }
  }
  return last - (first ?? 0);
}

console.log(`model: ${partitions} partitions at ${rate}/${partitions} calls/s each (burst ${burst}), ${ahead} batches scheduled ahead, ${latencyMs} ms a call, ${seeds} seeds`);
for (const total of values.batches.split(',').map(Number)) {
  const shares = Array.from({ length: seeds }, (_, seed) => total / (busyMs(total, seed + 1) / 1000) / rate);
  const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  console.log(`${String(total).padStart(6)} batches: ${pct(mean)} of the rate on average (${pct(Math.min(...shares))}–${pct(Math.max(...shares))})`);
}
