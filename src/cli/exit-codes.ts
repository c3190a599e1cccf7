import { CommanderError } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/common';
import { CampaignAlreadyRanError, CampaignInputError, CampaignStalledError } from '../client';
import { ConfigError } from '../config';
import { AdminInputError } from '../emulator/admin-schemas';
import { redact } from '../privacy/redaction';

/** The CLI's exit codes, documented in `connect-dialer --help`. */
export const ExitCode = {
  ok: 0,
  /** `start --wait`: the campaign ended FAILED or CANCELLED (or the command failed at run time). */
  campaignNotCompleted: 1,
  /** Bad usage or bad input; the field and reason are on stderr. */
  usage: 2,
  /** `start --wait`: the campaign is stalled, its workflow task failing again and again (a worker defect). */
  campaignStalled: 3,
  /** Stopped with Ctrl-C. */
  interrupted: 130,
} as const;

/** Prints what went wrong to stderr and answers the exit code for it. */
export function exitCodeFor(err: unknown, writeLine: (line: string) => void = (l) => process.stderr.write(l + '\n')): number {
  // No error message shows a password or a key, whatever it quotes.
  const write = (line: string): void => writeLine(redact(line));
  if (err instanceof CommanderError) {
    // Commander has printed its message (or the help) already.
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (err instanceof CampaignInputError) {
    for (const issue of err.issues) write(`${issue.field}: ${issue.reason}`);
    return ExitCode.usage;
  }
  if (err instanceof ConfigError || err instanceof AdminInputError) {
    write(err.message);
    return ExitCode.usage;
  }
  if (err instanceof CampaignAlreadyRanError) {
    write(`campaignId: ${err.message}`);
    return ExitCode.usage;
  }
  if (err instanceof CampaignStalledError) {
    write(`connect-dialer: ${err.message}`);
    return ExitCode.campaignStalled;
  }
  if (err instanceof WorkflowNotFoundError) {
    write(`campaignId: no such campaign (${err.message}); check --campaign-id, --namespace and --address`);
    return ExitCode.usage;
  }
  write(`connect-dialer: ${err instanceof Error ? err.message : String(err)}`);
  return ExitCode.campaignNotCompleted;
}
