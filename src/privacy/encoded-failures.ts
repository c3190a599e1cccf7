// Loaded by path (DataConverter.failureConverterPath) into the worker, the client and the
// workflow bundle when payloads are encrypted: a failure's message and stack trace move into
// its encoded attributes, which the payload codec encrypts like any payload.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
