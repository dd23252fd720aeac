// The one HTTP boundary for errors: FlowgateError → MLflow's `{"error_code","message"}` with its status;
// a driver or file-system refusal caused by the request (store/db-errors.ts) → a 4xx; Fastify's own client
// errors (bad JSON, body too large) → the matching code; anything else → a logged,
// generic 500 that names the request id and leaks nothing.
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { ERROR_STATUS, FlowgateError, type ErrorCode } from "../core/errors.js";
import { requestFaultOf } from "../store/db-errors.js";

const FASTIFY_CLIENT_ERRORS: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "BAD_REQUEST",
  FST_ERR_CTP_EMPTY_JSON_BODY: "BAD_REQUEST",
  FST_ERR_CTP_INVALID_JSON_BODY: "MALFORMED_REQUEST",
  FST_ERR_VALIDATION: "INVALID_PARAMETER_VALUE",
};

/**
 * A file-system refusal caused by the path the client chose (a segment longer than the file system allows),
 * from the local artifact store.
 */
function fileSystemFaultOf(error: Error): FlowgateError | undefined {
  if ((error as NodeJS.ErrnoException).code !== "ENAMETOOLONG") return undefined;
  return new FlowgateError(
    "INVALID_PARAMETER_VALUE",
    "An artifact path is too long: each segment between slashes may have at most 255 bytes.",
  );
}

export function errorBody(code: ErrorCode, message: string): { error_code: ErrorCode; message: string } {
  return { error_code: code, message };
}

export function sendError(reply: FastifyReply, code: ErrorCode, message: string): FastifyReply {
  return reply.status(ERROR_STATUS[code]).type("application/json").send(errorBody(code, message));
}

export function handleError(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error instanceof FlowgateError) {
    return sendError(reply, error.code, error.message);
  }
  const fault = requestFaultOf(error) ?? fileSystemFaultOf(error);
  if (fault !== undefined) {
    request.log.warn({ err: error }, "refused by the store");
    return sendError(reply, fault.code, fault.message);
  }
  const fastifyCode = (error as FastifyError).code;
  const mapped = fastifyCode === undefined ? undefined : FASTIFY_CLIENT_ERRORS[fastifyCode];
  if (mapped !== undefined) {
    return sendError(reply, mapped, error.message);
  }
  if (error instanceof SyntaxError) {
    return sendError(reply, "MALFORMED_REQUEST", `Malformed JSON body: ${error.message}`);
  }
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return sendError(reply, status === 413 ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST", error.message);
  }
  request.log.error({ err: error }, "unexpected error");
  return sendError(
    reply,
    "INTERNAL_ERROR",
    `Internal error; see the server log for request id ${request.id}.`,
  );
}
