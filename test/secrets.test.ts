// Secrets out of sight (issue 22, item 4): no password in process arguments, and no password
// or key in what connect-dialer prints.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { exitCodeFor, ExitCode } from '../src/cli/exit-codes';
import { loadConfig } from '../src/config';
import { redact, secretsIn } from '../src/privacy/redaction';
import { runCli, type CliRun } from './support/cli-process';

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runCli(args, { ...process.env, ...env });
}

describe('secrets out of sight', () => {
  test('--database-url with a password is refused in favour of DATABASE_URL, without echoing it', async () => {
    const run = await cli(['report', '--campaign-id', 'x', '--database-url', 'postgres://dialer:Sup3rSecretPw@127.0.0.1:1/dialer']);
    assert.equal(run.code, ExitCode.usage, run.stderr);
    assert.match(run.stderr, /--database-url: carries a password.*DATABASE_URL/);
    assert.ok(!run.stderr.includes('Sup3rSecretPw'), run.stderr);
  });

  test('a URL password is masked in any text', () => {
    assert.equal(redact('cannot reach postgres://dialer:pa%40ss@db.internal:5432/dialer (timeout)'), 'cannot reach postgres://dialer:***@db.internal:5432/dialer (timeout)');
    assert.equal(redact('no userinfo: postgres://db.internal/dialer'), 'no userinfo: postgres://db.internal/dialer');
  });

  test('once the configuration is loaded, its key, token, API key and database password are masked in CLI errors', () => {
    const key = randomBytes(32).toString('base64');
    const previous = randomBytes(32).toString('base64');
    loadConfig({
      CONNECT_DIALER_ENCRYPTION_KEY: key,
      CONNECT_DIALER_PREVIOUS_ENCRYPTION_KEYS: previous,
      CONNECT_DIALER_CODEC_SERVER_TOKEN: 'codec-token-123',
      TEMPORAL_API_KEY: 'temporal-api-key-456',
      DATABASE_URL: 'postgres://dialer:Db-Pass-789@db.internal/dialer',
    });
    const lines: string[] = [];
    const code = exitCodeFor(new Error(`boom ${key} ${previous} codec-token-123 temporal-api-key-456 Db-Pass-789`), (l) => lines.push(l));
    assert.equal(code, ExitCode.campaignNotCompleted);
    assert.deepEqual(lines, ['connect-dialer: boom *** *** *** *** ***']);
  });

  test('short or absent settings are no secrets to mask', () => {
    assert.deepEqual(secretsIn({ DATABASE_URL: 'postgres://dialer@db/dialer' }), []);
  });
});
