// Opaque page tokens. Like MLflow, a token is base64 JSON `{"offset":N}`; clients must treat it as opaque.
import { invalidParameter } from "./errors.js";
import { previewText } from "./value-preview.js";

export interface Page<T> {
  items: T[];
  nextPageToken: string | undefined;
}

/** The largest offset a page token may carry. */
export const MAX_PAGE_OFFSET = 2 ** 31 - 1;

export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), "utf8").toString("base64");
}

export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === "") return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
  } catch {
    throw invalidParameter(
      `Invalid page token ${previewText(token)}: it must be a token returned by a previous search.`,
    );
  }
  const offset = (parsed as { offset?: unknown } | null)?.offset;
  // No real listing reaches MAX_PAGE_OFFSET rows; a larger offset is a forged token that SQL cannot take
  // (PostgreSQL's OFFSET is a bigint, SQLite's an int64, and past 2^53 the number is not even exact).
  if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0 || offset > MAX_PAGE_OFFSET) {
    throw invalidParameter(
      `Invalid page token ${previewText(token)}: it must be a token returned by a previous search.`,
    );
  }
  return offset;
}

/** Reads `max_results`, defaulting and refusing values outside 1..limit. */
export function checkMaxResults(value: number | undefined, defaultValue: number, limit: number): number {
  if (value === undefined) return defaultValue;
  if (!Number.isInteger(value) || value < 1 || value > limit) {
    throw invalidParameter(
      `Invalid value ${value} for parameter 'max_results' supplied: it must be between 1 and ${limit}.`,
    );
  }
  return value;
}

/** Fetch one more row than asked for, to know whether another page follows. */
export function pageOf<T>(rows: T[], offset: number, maxResults: number): Page<T> {
  const hasMore = rows.length > maxResults;
  return {
    items: hasMore ? rows.slice(0, maxResults) : rows,
    nextPageToken: hasMore ? encodePageToken(offset + maxResults) : undefined,
  };
}
