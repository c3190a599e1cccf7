import { Command, Option } from 'commander';
import { loadConfig } from '../config';
import { exitOnNextInterrupt, untilInterrupted } from './interrupt';
import { portArg } from './options';
import { DEFAULT_CODEC_PORT, DEFAULT_UI_PORT } from './stack-defaults';

interface CodecServerFlags {
  port: number;
  host: string;
  uiOrigin: string[];
}

export function codecServerCommand(): Command {
  return new Command('codec-server')
    .description("decode encrypted campaign payloads for the Temporal Web UI and CLI (Temporal's codec HTTP API), with the workers' key")
    .addOption(new Option('--port <port>', 'port to listen on (0: a free one)').argParser(portArg).default(DEFAULT_CODEC_PORT))
    .addOption(new Option('--host <ip>', 'interface to listen on').default('127.0.0.1'))
    .addOption(
      new Option('--ui-origin <origin...>', "the Web UI's origin(s), allowed to call it from the browser (CORS)").default([
        `http://localhost:${DEFAULT_UI_PORT}`,
        `http://127.0.0.1:${DEFAULT_UI_PORT}`,
      ]),
    )
    .addHelpText(
      'after',
      `
Examples:
  $ connect-dialer codec-server --port 8888 --ui-origin https://my-ns.a1b2c.web.tmprl.cloud
  $ CONNECT_DIALER_ENCRYPTION_KEY_FILE=/run/secrets/dialer-key connect-dialer codec-server
  $ temporal workflow show --workflow-id campaign-spring-2025 --codec-endpoint http://127.0.0.1:8888

It decodes with CONNECT_DIALER_ENCRYPTION_KEY (or _FILE) and CONNECT_DIALER_PREVIOUS_ENCRYPTION_KEYS.
In the Web UI: Settings (the data encoder icon) → Codec Server endpoint = its URL.
With CONNECT_DIALER_CODEC_SERVER_TOKEN set, requests need "Authorization: Bearer <token>"
(temporal --codec-auth "Bearer <token>"). See docs/privacy.md.`,
    )
    .action(async (flags: CodecServerFlags) => {
      const config = loadConfig();
      const { encryptingCodecFrom } = await import('../privacy/data-converter');
      const { startCodecServer } = await import('../privacy/codec-server');
      const server = await startCodecServer({
        codec: encryptingCodecFrom(config),
        port: flags.port,
        host: flags.host,
        allowedOrigins: flags.uiOrigin,
        token: config.CONNECT_DIALER_CODEC_SERVER_TOKEN,
      });
      process.stdout.write(`Codec server listening on ${server.url} (POST /encode, /decode; the Web UI from ${flags.uiOrigin.join(', ')})\nCtrl-C stops it.\n`);
      await untilInterrupted();
      exitOnNextInterrupt();
      await server.close();
    });
}
