// Lists and searches as one caller may see them: what read-access.ts does not let them read is left out,
// and paging stays correct. A page is filled by reading on through the unfiltered result, and the next page
// token points just past the last row looked at, so it stays an ordinary offset token into the same order.
import { FlowgateError } from "../core/errors.js";
import { decodePageToken, encodePageToken, type Page } from "../core/paging.js";
import type { ModelVersion, RegisteredModel } from "../registry/entities.js";
import type { ReadAccess } from "./read-access.js";

export interface PageRequest {
  maxResults?: number | undefined;
  pageToken?: string | undefined;
}

export async function visiblePage<T>(
  access: ReadAccess,
  request: PageRequest,
  search: (page: PageRequest) => Promise<Page<T>>,
  visible: (item: T) => boolean | Promise<boolean>,
): Promise<Page<T>> {
  const first = await search(request);
  if (access.unrestricted) return first;
  if (first.nextPageToken === undefined)
    return { items: await keep(first.items, visible), nextPageToken: undefined };
  // The page size the search settled on (the caller's max_results or its default), kept for every read.
  const want = first.items.length;
  // max_results=0 (MLflow answers it with an empty page): nothing to fill, and reading on would never advance.
  // No token either, so the answer does not tell whether rows this caller may not read match.
  if (want === 0) return { items: [], nextPageToken: undefined };
  const items: T[] = [];
  let page = first;
  let offset = decodePageToken(request.pageToken);
  for (;;) {
    for (const [i, item] of page.items.entries()) {
      if (!(await visible(item))) continue;
      items.push(item);
      if (items.length === want) {
        const more = i < page.items.length - 1 || page.nextPageToken !== undefined;
        return { items, nextPageToken: more ? encodePageToken(offset + i + 1) : undefined };
      }
    }
    if (page.nextPageToken === undefined) return { items, nextPageToken: undefined };
    offset = decodePageToken(page.nextPageToken);
    page = await search({ maxResults: want, pageToken: page.nextPageToken });
  }
}

export async function keep<T>(
  items: readonly T[],
  visible: (item: T) => boolean | Promise<boolean>,
): Promise<T[]> {
  const kept: T[] = [];
  for (const item of items) if (await visible(item)) kept.push(item);
  return kept;
}

export function visibleVersions(
  access: ReadAccess,
  versions: readonly ModelVersion[],
): Promise<ModelVersion[]> {
  return keep(versions, (v) => access.version(v));
}

/** A registered model as the caller may see it: its latest versions narrowed to the readable ones. */
export async function visibleModel(access: ReadAccess, model: RegisteredModel): Promise<RegisteredModel> {
  if (access.unrestricted) return model;
  return { ...model, latestVersions: await visibleVersions(access, model.latestVersions) };
}

/** One page of registered models: the readable ones, each with its readable latest versions. */
export async function visibleModels(
  access: ReadAccess,
  request: PageRequest,
  search: (page: PageRequest) => Promise<Page<RegisteredModel>>,
): Promise<Page<RegisteredModel>> {
  const page = await visiblePage(access, request, search, (m) => access.model(m.id));
  return { ...page, items: await Promise.all(page.items.map((m) => visibleModel(access, m))) };
}

function notReadable(what: string): FlowgateError {
  return new FlowgateError(
    "PERMISSION_DENIED",
    `You lack permission to read ${what}; ask an admin for a grant on it.`,
  );
}

/** An experiment found by name, if the caller may read it (get-by-name is a read of that experiment). */
export function readableExperiment<E extends { experimentId: string; name: string }>(
  access: ReadAccess,
  e: E,
): E {
  if (!access.experiment(e.experimentId)) throw notReadable(`experiment '${e.name}'`);
  return e;
}

/** Items about one model version (transition requests): those of versions the caller may read. */
export function ofReadableVersions<T extends { name: string; version: number }>(
  access: ReadAccess,
  items: readonly T[],
): Promise<T[]> {
  return keep(items, (item) => access.versionNamed(item.name, item.version));
}

/** One item about a model version, if the caller may read that version. */
export async function readableOfVersion<T extends { name: string; version: number }>(
  access: ReadAccess,
  item: T,
): Promise<T> {
  if (!(await access.versionNamed(item.name, item.version))) {
    throw notReadable(`version ${item.version} of registered model '${item.name}'`);
  }
  return item;
}
