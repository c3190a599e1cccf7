// One local Amazon Connect per describe block, and the real SDK client that talks to it.
import { after, before, beforeEach } from 'node:test';
import { ConnectClient } from '@aws-sdk/client-connect';
import { ConnectCampaignsV2Client } from '@aws-sdk/client-connectcampaignsv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { emulatorCredentials } from '../../src/connect-client';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator';

export interface ClientOverrides {
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The SDK's own retries; 1 (none) unless a test is about them. */
  maxAttempts: number;
}

/** What both SDK clients need to talk to the emulator. */
function clientSettings(emu: Emulator, overrides: Partial<ClientOverrides>) {
  return {
    endpoint: emu.url,
    region: overrides.region ?? 'us-east-1',
    credentials: {
      accessKeyId: overrides.accessKeyId ?? emulatorCredentials.accessKeyId,
      secretAccessKey: overrides.secretAccessKey ?? emulatorCredentials.secretAccessKey,
    },
    maxAttempts: overrides.maxAttempts ?? 1,
  };
}

export function emulatorClient(emu: Emulator, overrides: Partial<ClientOverrides> = {}): ConnectClient {
  return new ConnectClient(clientSettings(emu, overrides));
}

/** The Outbound Campaigns v2 client, signing for `connect-campaigns`, against the same emulator port. */
export function emulatorCampaignsClient(emu: Emulator, overrides: Partial<ClientOverrides> = {}): ConnectCampaignsV2Client {
  return new ConnectCampaignsV2Client(clientSettings(emu, overrides));
}

/** The SQS client, signing for `sqs`: it reaches the emulator through the queue URL's host. */
export function emulatorSqsClient(emu: Emulator, overrides: Partial<ClientOverrides> = {}): SQSClient {
  return new SQSClient(clientSettings(emu, overrides));
}

export interface EmulatorFixture {
  readonly emu: Emulator;
  readonly connect: ConnectClient;
  /** The emulator's clock in ms, when it was asked for one; tests move it forward. */
  clock: number;
}

/**
 * Starts an emulator before the enclosing describe block, resets it before each test and
 * stops it after the block. With `clock`, the emulator reads time from `fixture.clock`.
 */
export function useEmulator(options: Omit<EmulatorOptions, 'quiet' | 'now'> = {}, clock?: number): EmulatorFixture {
  let started: { emu: Emulator; connect: ConnectClient } | undefined;
  const use = (): { emu: Emulator; connect: ConnectClient } => {
    if (!started) throw new Error('the emulator starts in before(); use the fixture inside tests');
    return started;
  };
  const fixture: EmulatorFixture = {
    get emu() {
      return use().emu;
    },
    get connect() {
      return use().connect;
    },
    clock: clock ?? 0,
  };
  before(async () => {
    const emu = await startEmulator({ ...options, quiet: true, ...(clock === undefined ? {} : { now: () => fixture.clock }) });
    started = { emu, connect: emulatorClient(emu) };
  });
  beforeEach(() => fixture.emu.reset());
  after(() => fixture.emu.stop());
  return fixture;
}
