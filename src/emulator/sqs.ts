import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConnectError } from './errors';
import type { MessageQueue } from './sqs-queue';
import { verifySigV4 } from './sigv4';
import type { EmulatorState } from './emulator-state';
import { parseJsonObject, readBody, sendJson } from './wire';

/**
 * Amazon SQS on the emulator's port, in the AWS JSON 1.0 protocol that @aws-sdk/client-sqs
 * and the AWS CLI speak (botocore's model: `protocol: json`, `awsQueryCompatible`): POST /
 * with `X-Amz-Target: AmazonSQS.<Operation>`, signed for `sqs`. One standard queue,
 * `contact-events`, holds the Amazon Connect contact events the emulator publishes.
 */

export const SQS_TARGET_PREFIX = 'AmazonSQS.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
const ACCOUNT_ID = '000000000000';
export const CONTACT_EVENTS_QUEUE = 'contact-events';

/** An SQS error: the exception's name, the query-compatible code the SDK maps back to it, and the status. */
export class SqsError extends Error {
  constructor(
    readonly type: string,
    readonly queryCode: string,
    readonly status: number,
    message: string,
    readonly senderFault = true,
  ) {
    super(message);
  }
}

const queueDoesNotExist = (): SqsError =>
  new SqsError('QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 400, 'The specified queue does not exist for this wsdl version.');
const invalidParameter = (message: string): SqsError => new SqsError('InvalidParameterValue', 'InvalidParameterValue', 400, message);
const missingParameter = (name: string): SqsError => new SqsError('MissingParameter', 'MissingParameter', 400, `The request must contain the parameter ${name}.`);
const receiptInvalid = (handle: string): SqsError =>
  new SqsError('ReceiptHandleIsInvalid', 'ReceiptHandleIsInvalid', 404, `The input receipt handle "${handle}" is not a valid receipt handle.`);

export function queueUrlFor(baseUrl: string, name = CONTACT_EVENTS_QUEUE): string {
  return `${baseUrl}/${ACCOUNT_ID}/${name}`;
}

function queueArn(region: string, name: string): string {
  return `arn:aws:sqs:${region}:${ACCOUNT_ID}:${name}`;
}

/** The queue a QueueUrl names: any host (the SDK sends to the URL's host), the path `/<account>/<name>`. */
function queueOf(state: EmulatorState, body: Record<string, unknown>): MessageQueue {
  const url = body.QueueUrl;
  if (url === undefined) throw missingParameter('QueueUrl');
  if (typeof url !== 'string') throw invalidParameter('Value for parameter QueueUrl is invalid. Reason: Must be a string.');
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    throw new SqsError('InvalidAddress', 'InvalidAddress', 404, 'The address ' + url + ' is not valid for this endpoint.');
  }
  const [, account, name] = path.split('/');
  const queue = state.queues.get(name ?? '');
  if (account !== ACCOUNT_ID || queue === undefined) throw queueDoesNotExist();
  return queue;
}

function integer(body: Record<string, unknown>, name: string, min: number, max: number, reason: string): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidParameter(`Value ${JSON.stringify(value)} for parameter ${name} is invalid. Reason: Must be an integer.`);
  if (value < min || value > max) throw invalidParameter(`Value ${value} for parameter ${name} is invalid. Reason: ${reason}`);
  return value;
}

function stringList(body: Record<string, unknown>, name: string): string[] {
  const value = body[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw invalidParameter(`Value for parameter ${name} is invalid. Reason: Must be a list of strings.`);
  return value as string[];
}

function requiredString(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (value === undefined || value === null) throw missingParameter(name);
  if (typeof value !== 'string') throw invalidParameter(`Value for parameter ${name} is invalid. Reason: Must be a string.`);
  return value;
}

const MAX_WAIT_S = 20;
const MAX_VISIBILITY_S = 43_200;
const MAX_BATCH = 10;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

async function receiveMessage(state: EmulatorState, body: Record<string, unknown>, aborted: AbortSignal): Promise<unknown> {
  const queue = queueOf(state, body);
  const max = integer(body, 'MaxNumberOfMessages', 1, MAX_BATCH, 'Must be between 1 and 10, if provided.') ?? 1;
  const visibility = integer(body, 'VisibilityTimeout', 0, MAX_VISIBILITY_S, 'Must be between 0 and 43200, if provided.');
  const wait = integer(body, 'WaitTimeSeconds', 0, MAX_WAIT_S, 'Must be >= 0 and <= 20, if provided.') ?? 0;
  const names = new Set([...stringList(body, 'AttributeNames'), ...stringList(body, 'MessageSystemAttributeNames')]);
  const deadline = Date.now() + wait * 1000;
  for (;;) {
    const messages = queue.receive(max, visibility, names);
    if (messages.length > 0) return { Messages: messages };
    const left = deadline - Date.now();
    if (left <= 0 || aborted.aborted) return {};
    await queue.waitForMessages(left, aborted);
  }
}

function deleteMessage(state: EmulatorState, body: Record<string, unknown>): unknown {
  const queue = queueOf(state, body);
  const handle = requiredString(body, 'ReceiptHandle');
  if (queue.delete(handle).kind === 'invalid') throw receiptInvalid(handle);
  return {};
}

interface BatchEntry {
  Id: string;
  ReceiptHandle: string;
  raw: Record<string, unknown>;
}

function batchEntries(body: Record<string, unknown>): BatchEntry[] {
  const entries = body.Entries;
  if (entries === undefined || entries === null || (Array.isArray(entries) && entries.length === 0)) {
    throw new SqsError('EmptyBatchRequest', 'AWS.SimpleQueueService.EmptyBatchRequest', 400, 'There should be at least one entry in the batch request.');
  }
  if (!Array.isArray(entries)) throw invalidParameter('Value for parameter Entries is invalid. Reason: Must be a list.');
  if (entries.length > MAX_BATCH) {
    throw new SqsError(
      'TooManyEntriesInBatchRequest',
      'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
      400,
      `Maximum number of entries per request are ${MAX_BATCH}. You have sent ${entries.length}.`,
    );
  }
  const seen = new Set<string>();
  return entries.map((raw: unknown) => {
    const entry = (raw ?? {}) as Record<string, unknown>;
    const id = requiredString(entry, 'Id');
    const handle = requiredString(entry, 'ReceiptHandle');
    if (!BATCH_ENTRY_ID.test(id)) {
      throw new SqsError(
        'InvalidBatchEntryId',
        'AWS.SimpleQueueService.InvalidBatchEntryId',
        400,
        `A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.`,
      );
    }
    if (seen.has(id)) throw new SqsError('BatchEntryIdsNotDistinct', 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 400, `Id ${id} repeated.`);
    seen.add(id);
    return { Id: id, ReceiptHandle: handle, raw: entry };
  });
}

function deleteMessageBatch(state: EmulatorState, body: Record<string, unknown>): unknown {
  const queue = queueOf(state, body);
  const successful: { Id: string }[] = [];
  const failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
  for (const entry of batchEntries(body)) {
    if (queue.delete(entry.ReceiptHandle).kind === 'invalid') {
      failed.push({ Id: entry.Id, SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: `The input receipt handle "${entry.ReceiptHandle}" is not a valid receipt handle.` });
    } else {
      successful.push({ Id: entry.Id });
    }
  }
  return { Successful: successful, Failed: failed };
}

function changeMessageVisibility(state: EmulatorState, body: Record<string, unknown>): unknown {
  const queue = queueOf(state, body);
  const handle = requiredString(body, 'ReceiptHandle');
  const timeout = integer(body, 'VisibilityTimeout', 0, MAX_VISIBILITY_S, 'Must be between 0 and 43200, if provided.');
  if (timeout === undefined) throw missingParameter('VisibilityTimeout');
  const found = queue.changeVisibility(handle, timeout);
  if (found.kind === 'invalid') throw receiptInvalid(handle);
  if (found.kind === 'not-inflight')
    throw new SqsError('MessageNotInflight', 'AWS.SimpleQueueService.MessageNotInflight', 400, 'Message does not exist or is not available for visibility timeout change.');
  return {};
}

function changeMessageVisibilityBatch(state: EmulatorState, body: Record<string, unknown>): unknown {
  const queue = queueOf(state, body);
  const successful: { Id: string }[] = [];
  const failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
  for (const entry of batchEntries(body)) {
    const timeout = integer(entry.raw, 'VisibilityTimeout', 0, MAX_VISIBILITY_S, 'Must be between 0 and 43200, if provided.') ?? 0;
    const found = queue.changeVisibility(entry.ReceiptHandle, timeout);
    if (found.kind === 'invalid') {
      failed.push({ Id: entry.Id, SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: `The input receipt handle "${entry.ReceiptHandle}" is not a valid receipt handle.` });
    } else if (found.kind === 'not-inflight') {
      failed.push({
        Id: entry.Id,
        SenderFault: true,
        Code: 'AWS.SimpleQueueService.MessageNotInflight',
        Message: 'Message does not exist or is not available for visibility timeout change.',
      });
    } else {
      successful.push({ Id: entry.Id });
    }
  }
  return { Successful: successful, Failed: failed };
}

const QUEUE_ATTRIBUTES = [
  'VisibilityTimeout',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds',
  'SqsManagedSseEnabled',
] as const;

function getQueueAttributes(state: EmulatorState, body: Record<string, unknown>): unknown {
  const queue = queueOf(state, body);
  const names = stringList(body, 'AttributeNames');
  const { visible, inFlight } = queue.counts();
  const values: Record<(typeof QUEUE_ATTRIBUTES)[number], string> = {
    VisibilityTimeout: String(queue.visibilityTimeoutS),
    ApproximateNumberOfMessages: String(visible),
    ApproximateNumberOfMessagesNotVisible: String(inFlight),
    ApproximateNumberOfMessagesDelayed: '0',
    CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
    LastModifiedTimestamp: String(Math.floor(queue.createdAt / 1000)),
    QueueArn: queueArn(state.region, queue.name),
    MaximumMessageSize: '262144',
    MessageRetentionPeriod: '345600',
    DelaySeconds: '0',
    ReceiveMessageWaitTimeSeconds: '0',
    SqsManagedSseEnabled: 'true',
  };
  const unknown = names.find((n) => n !== 'All' && !(QUEUE_ATTRIBUTES as readonly string[]).includes(n));
  if (unknown !== undefined) throw new SqsError('InvalidAttributeName', 'InvalidAttributeName', 400, `Unknown Attribute ${unknown}.`);
  const wanted = names.includes('All') ? QUEUE_ATTRIBUTES : QUEUE_ATTRIBUTES.filter((n) => names.includes(n));
  if (wanted.length === 0) return {};
  return { Attributes: Object.fromEntries(wanted.map((n) => [n, values[n]])) };
}

const MAX_MESSAGE_BYTES = 262_144;

function sendMessage(state: EmulatorState, body: Record<string, unknown>): unknown {
  const queue = queueOf(state, body);
  const text = requiredString(body, 'MessageBody');
  if (text.length === 0) throw invalidParameter('The request must contain the parameter MessageBody.');
  if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) throw invalidParameter(`One or more parameters are invalid. Reason: Message must be shorter than ${MAX_MESSAGE_BYTES} bytes.`);
  const delay = integer(body, 'DelaySeconds', 0, 900, 'Must be >= 0 and <= 900, if provided.') ?? 0;
  return queue.send(text, delay);
}

function getQueueUrl(state: EmulatorState, body: Record<string, unknown>, baseUrl: string): unknown {
  const name = requiredString(body, 'QueueName');
  if (!state.queues.has(name)) throw queueDoesNotExist();
  return { QueueUrl: queueUrlFor(baseUrl, name) };
}

async function answer(state: EmulatorState, operation: string, body: Record<string, unknown>, baseUrl: string, aborted: AbortSignal): Promise<unknown> {
  switch (operation) {
    case 'ReceiveMessage':
      return receiveMessage(state, body, aborted);
    case 'DeleteMessage':
      return deleteMessage(state, body);
    case 'DeleteMessageBatch':
      return deleteMessageBatch(state, body);
    case 'ChangeMessageVisibility':
      return changeMessageVisibility(state, body);
    case 'ChangeMessageVisibilityBatch':
      return changeMessageVisibilityBatch(state, body);
    case 'GetQueueAttributes':
      return getQueueAttributes(state, body);
    case 'SendMessage':
      return sendMessage(state, body);
    case 'GetQueueUrl':
      return getQueueUrl(state, body, baseUrl);
    default:
      throw new SqsError('UnsupportedOperation', 'AWS.SimpleQueueService.UnsupportedOperation', 400, `The emulator's SQS does not serve ${operation}.`);
  }
}

function sendSqsError(res: ServerResponse, err: SqsError): void {
  res.setHeader('x-amzn-query-error', `${err.queryCode};${err.senderFault ? 'Sender' : 'Receiver'}`);
  sendJsonAs(res, err.status, { __type: `com.amazonaws.sqs#${err.type}`, message: err.message });
}

function sendJsonAs(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** POST / with X-Amz-Target AmazonSQS.*: signature, then the operation. */
export async function handleSqs(state: EmulatorState, req: IncomingMessage, res: ServerResponse, rawPath: string, rawQuery: string): Promise<void> {
  const target = String(req.headers['x-amz-target'] ?? '');
  const operation = target.slice(SQS_TARGET_PREFIX.length);
  const aborted = new AbortController();
  res.on('close', () => aborted.abort());
  try {
    const body = await readBody(req);
    await verifySigV4(
      { method: req.method ?? 'POST', rawPath, rawQuery, headers: req.headers, body },
      { region: state.region, service: 'sqs', secretFor: (key) => state.secretFor(key) },
    );
    state.stats.sqs(operation);
    let parsed: Record<string, unknown>;
    try {
      parsed = parseJsonObject(body);
    } catch (err) {
      throw new SqsError('SerializationException', 'SerializationException', 400, err instanceof Error ? err.message : String(err));
    }
    const result = await answer(state, operation, parsed, state.baseUrl, aborted.signal);
    if (!res.destroyed) sendJsonAs(res, 200, result);
  } catch (err) {
    if (res.headersSent || res.destroyed) return;
    if (err instanceof SqsError) return sendSqsError(res, err);
    if (err instanceof ConnectError) {
      res.setHeader('x-amzn-query-error', `${err.errorType};Sender`);
      return sendJsonAs(res, err.status, { __type: `com.amazon.coral.service#${err.errorType}`, message: err.message });
    }
    state.log(`unexpected error in SQS ${operation}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    sendJson(res, 500, { __type: 'com.amazonaws.sqs#InternalError', message: 'We encountered an internal error. Please try again.' });
  }
}
