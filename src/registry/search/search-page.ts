// One page of a registry search: parse the filter and order_by with the resource's grammar, check
// max_results against its limit, decode the page token, fetch one row more than asked to know if a next
// page exists.
import { invalidParameter } from "../../core/errors.js";
import { checkMaxResults, decodePageToken, pageOf, type Page } from "../../core/paging.js";

export interface SearchRequest {
  filter?: string | undefined;
  maxResults?: number | undefined;
  orderBy?: string[];
  pageToken?: string | undefined;
}

export interface SearchGrammar<C, O> {
  parseFilter(filter: string | undefined): C[];
  parseOrderBy(clauses: readonly string[]): O[];
  defaultMaxResults: number;
  maxResultsLimit: number;
  /** MLflow answers `max_results=0` with an empty page for registered models, and refuses it for versions. */
  zeroMaxResults: "empty-page" | "refused";
}

export async function searchPage<C, O, T>(
  req: SearchRequest,
  grammar: SearchGrammar<C, O>,
  fetch: (conditions: C[], orderBy: O[], offset: number, limit: number) => Promise<T[]>,
): Promise<Page<T>> {
  // MLflow checks this before the filter, and in these words, for versions.
  if (req.maxResults !== undefined && req.maxResults < 1 && grammar.zeroMaxResults === "refused") {
    throw invalidParameter(
      `Invalid value for max_results. It must be a positive integer, but got ${req.maxResults}`,
    );
  }
  const conditions = grammar.parseFilter(req.filter);
  const orderBy = grammar.parseOrderBy(req.orderBy ?? []);
  // For models, MLflow takes 0: an empty page, with a token (to the same offset) when any model matches.
  const maxResults =
    req.maxResults === 0
      ? 0
      : checkMaxResults(req.maxResults, grammar.defaultMaxResults, grammar.maxResultsLimit);
  const offset = decodePageToken(req.pageToken);
  return pageOf(await fetch(conditions, orderBy, offset, maxResults + 1), offset, maxResults);
}
