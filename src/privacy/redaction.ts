/**
 * Secrets out of what connect-dialer prints: every log line, CLI error and worker error goes
 * through redact(), which masks the password of any URL and each secret value the
 * configuration holds (encryption keys, the codec server token, the Temporal API key, the
 * database password). loadConfig() registers those values as it reads them.
 */
const MASK = '***';
/** Shorter values could be ordinary words; every secret connect-dialer reads is longer. */
const MIN_SECRET_LENGTH = 6;

const registered = new Set<string>();

/** `scheme://user:password@` → `scheme://user:***@`. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)[^\s@/]+@/gi;

export interface SecretSettings {
  CONNECT_DIALER_ENCRYPTION_KEY?: string;
  CONNECT_DIALER_PREVIOUS_ENCRYPTION_KEYS?: string;
  CONNECT_DIALER_CODEC_SERVER_TOKEN?: string;
  TEMPORAL_API_KEY?: string;
  DATABASE_URL?: string;
}

/** The secret values among the settings, as they could appear in a message. */
export function secretsIn(settings: SecretSettings): string[] {
  const values = [settings.CONNECT_DIALER_ENCRYPTION_KEY, settings.CONNECT_DIALER_CODEC_SERVER_TOKEN, settings.TEMPORAL_API_KEY];
  values.push(...(settings.CONNECT_DIALER_PREVIOUS_ENCRYPTION_KEYS ?? '').split(',').map((k) => k.trim()));
  if (settings.DATABASE_URL) {
    try {
      const password = new URL(settings.DATABASE_URL).password;
      values.push(password, decodeURIComponent(password));
    } catch {
      // Not a URL: the config schema refuses it before anything prints it.
    }
  }
  return values.filter((v): v is string => v !== undefined && v.length >= MIN_SECRET_LENGTH);
}

export function registerSecrets(values: readonly string[]): void {
  for (const v of values) if (v.length >= MIN_SECRET_LENGTH) registered.add(v);
}

/** The text with URL passwords and registered secrets masked. */
export function redact(text: string): string {
  let out = text.replace(URL_PASSWORD, `$1${MASK}@`);
  for (const secret of registered) out = out.split(secret).join(MASK);
  return out;
}
