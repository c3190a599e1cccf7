/** Area codes in service: numbers built on them pass E.164 validation, so every entry is sent. */
const AREA_CODES = ['212', '312', '415', '503', '617', '702', '808', '919'];

/** The i-th benchmark number: valid, and spread over area codes and 10,000 lines. */
export function benchPhoneNumber(i: number): string {
  return `+1${AREA_CODES[i % AREA_CODES.length]}555${String(i % 10_000).padStart(4, '0')}`;
}
