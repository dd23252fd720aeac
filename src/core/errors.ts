// The error catalog: MLflow's error codes and the HTTP status each one answers with.
// This is the only place the code → status mapping lives (api/error-handler.ts reads it).

/**
 * HTTP status per error code, as in MLflow's `mlflow/exceptions.py`, with three deliberate departures:
 * - INVALID_STATE is 400, not 500: the MLflow client retries every 5xx seven times over ~4 minutes, so a
 *   deterministic refusal (a failed promotion gate) must not be a 5xx.
 * - PAYLOAD_TOO_LARGE (413) and UNSUPPORTED_MEDIA_TYPE (415) are ours; MLflow has no code for them.
 */
export const ERROR_STATUS = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  MALFORMED_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  INVALID_STATE: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  NOT_FOUND: 404,
  ENDPOINT_NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  RESOURCE_CONFLICT: 409,
  ABORTED: 409,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  REQUEST_LIMIT_EXCEEDED: 429,
  RESOURCE_EXHAUSTED: 429,
  INTERNAL_ERROR: 500,
  DATA_LOSS: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** A failure the caller can act on. Its message says what was wrong and what is allowed. */
export class FlowgateError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "FlowgateError";
    this.code = code;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function invalidParameter(message: string): FlowgateError {
  return new FlowgateError("INVALID_PARAMETER_VALUE", message);
}

export function notFound(message: string): FlowgateError {
  return new FlowgateError("RESOURCE_DOES_NOT_EXIST", message);
}

export function alreadyExists(message: string): FlowgateError {
  return new FlowgateError("RESOURCE_ALREADY_EXISTS", message);
}
