/** Whole-call errors as AWS answers them: name (x-amzn-ErrorType) and HTTP status. */
export const errorStatus = {
  InvalidRequestException: 400,
  ValidationException: 400,
  SerializationException: 400,
  AccessDeniedException: 403,
  ExpiredTokenException: 403,
  MissingAuthenticationTokenException: 403,
  IncompleteSignatureException: 403,
  InvalidSignatureException: 403,
  UnrecognizedClientException: 403,
  ResourceNotFoundException: 404,
  UnknownOperationException: 404,
  IdempotencyException: 409,
  ConflictException: 409,
  InvalidCampaignStateException: 409,
  RequestEntityTooLargeException: 413,
  LimitExceededException: 429,
  ThrottlingException: 429,
  InternalServiceException: 500,
  InternalServerException: 500,
} as const;

export type ErrorName = keyof typeof errorStatus;

export class ConnectError extends Error {
  readonly status: number;
  constructor(
    readonly errorType: ErrorName,
    message: string,
    /** True for faults the emulator injected on purpose (counted apart from caller errors). */
    readonly injected = false,
    /** More members of the error body, e.g. InvalidCampaignStateException's `state`. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = errorType;
    this.status = errorStatus[errorType];
  }
}
