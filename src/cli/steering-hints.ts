import type { Config } from '../config';
import { DEFAULT_TASK_QUEUE } from '../client';
import { DEFAULT_TEMPORAL_PORT } from './stack-defaults';

/** The connection flags another terminal needs to reach this stack (none for the defaults). */
export function cliConnectionArgs(config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TASK_QUEUE'>, opts: { taskQueue: boolean }): string {
  const args: string[] = [];
  const defaultAddress = [`localhost:${DEFAULT_TEMPORAL_PORT}`, `127.0.0.1:${DEFAULT_TEMPORAL_PORT}`];
  if (!defaultAddress.includes(config.TEMPORAL_ADDRESS)) args.push(`--address ${config.TEMPORAL_ADDRESS}`);
  if (config.TEMPORAL_NAMESPACE !== 'default') args.push(`--namespace ${config.TEMPORAL_NAMESPACE}`);
  if (opts.taskQueue && config.TEMPORAL_TASK_QUEUE !== DEFAULT_TASK_QUEUE) args.push(`--task-queue ${config.TEMPORAL_TASK_QUEUE}`);
  return args.map((a) => ` ${a}`).join('');
}

/** The exact commands that steer a campaign from another terminal. */
export function steeringCommands(
  campaignId: string,
  config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TASK_QUEUE' | 'CONNECT_DIALER_DATA_DIR'>,
  exampleRequestId = 'c-0001',
): string[] {
  const args = cliConnectionArgs(config, { taskQueue: false });
  const id = `--campaign-id ${campaignId}`;
  return [
    `npx connect-dialer status${args} ${id}`,
    `npx connect-dialer pause${args} ${id} --reason "coffee break"`,
    `npx connect-dialer resume${args} ${id}`,
    `npx connect-dialer deflect${args} ${id} --request-id ${exampleRequestId} --message "Shall we text instead?"`,
    `npx connect-dialer cancel${args} ${id} --reason "enough for today"`,
    `npx connect-dialer report --data-dir ${config.CONNECT_DIALER_DATA_DIR} ${id} --out report.csv`,
  ];
}
