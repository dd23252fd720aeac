// The only code that knows SQLite's and PostgreSQL's driver error shapes.
import { FlowgateError, invalidParameter } from "../core/errors.js";

interface DriverError {
  code?: unknown;
}

/** A unique or primary-key constraint refused the write (a concurrent create won the race). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as DriverError | null)?.code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/** A foreign-key constraint refused the write (the parent row is gone). */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as DriverError | null)?.code;
  return code === "23503" || code === "SQLITE_CONSTRAINT_FOREIGNKEY";
}

/** The engine gave up on a transaction that another one conflicted with; retrying it is safe. */
export function isRetryableConflict(err: unknown): boolean {
  const code = (err as DriverError | null)?.code;
  return code === "40001" || code === "40P01" || code === "SQLITE_BUSY";
}

interface DriverMessage {
  code?: unknown;
  message?: unknown;
}

/** SQLite reports its limits as a generic SQLITE_ERROR; the message tells them apart. */
const SQLITE_LIMITS = [
  /too many SQL variables/i,
  /Expression tree is too large/i,
  /parser stack overflow/i,
  /too many terms in compound SELECT/i,
  /at most \d+ tables in a join/i,
  /LIKE or GLOB pattern too complex/i,
  /string or blob too big/i,
];

/**
 * A statement the engine refused because of what the request asked for (a value out of range, a query
 * beyond an engine limit, the statement timeout) rather than a fault of the server: the request, not the
 * server, has to change. Undefined for every other error. The API's error handler uses it as the last
 * safety net; the validations in front of the store should refuse such requests first, with better words.
 */
export function requestFaultOf(err: unknown): FlowgateError | undefined {
  const { code, message } = (err ?? {}) as DriverMessage;
  const text = typeof message === "string" ? message : "";
  switch (code) {
    case "22003": // numeric_value_out_of_range: e.g. an id past bigint
      return invalidParameter("A number in the request is out of the range the store can hold.");
    case "22021": // character_not_in_repertoire
    case "22P05": // untranslatable_character
      return invalidParameter("A string in the request holds a character the store cannot hold.");
    case "22001": // string_data_right_truncation
      return invalidParameter("A value in the request is longer than the store can hold.");
    case "54000": // program_limit_exceeded (e.g. an index row too large)
    case "54001": // statement_too_complex
      return invalidParameter(
        "The request is too large for the store to process: send fewer or shorter values.",
      );
    case "57014": // query_canceled: the statement timeout (see database.ts) stopped a too costly query
      return new FlowgateError(
        "BAD_REQUEST",
        "The query took longer than the server's statement timeout and was cancelled: narrow the search " +
          "(fewer comparisons, fewer experiments, a smaller max_results) and try again.",
      );
    case "SQLITE_TOOBIG":
      return invalidParameter("A value in the request is longer than the store can hold.");
    case "SQLITE_ERROR":
      return SQLITE_LIMITS.some((limit) => limit.test(text))
        ? invalidParameter("The request is too large for the store to process: send fewer or shorter values.")
        : undefined;
    default:
      return undefined;
  }
}
