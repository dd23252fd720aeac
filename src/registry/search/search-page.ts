// One page of a registry search: parse the filter and order_by with the resource's grammar, check
// max_results against its limit, decode the page token, fetch one row more than asked to know if a next
// page exists.
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
}

export async function searchPage<C, O, T>(
  req: SearchRequest,
  grammar: SearchGrammar<C, O>,
  fetch: (conditions: C[], orderBy: O[], offset: number, limit: number) => Promise<T[]>,
): Promise<Page<T>> {
  const conditions = grammar.parseFilter(req.filter);
  const orderBy = grammar.parseOrderBy(req.orderBy ?? []);
  const maxResults = checkMaxResults(req.maxResults, grammar.defaultMaxResults, grammar.maxResultsLimit);
  const offset = decodePageToken(req.pageToken);
  return pageOf(await fetch(conditions, orderBy, offset, maxResults + 1), offset, maxResults);
}
