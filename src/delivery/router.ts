// Picks the version that answers one request from a routing snapshot: the preview header beats everything, then a
// weighted split by a hash of the sticky key (or of the request id when there is none). Pure and deterministic:
// the same key lands on the same version in every serving replica for as long as the weights stay put.
import type { Route, RoutingSnapshot, StickyKey } from "./deployment.js";

/** The parts of a request routing may look at; `json` is read only when the sticky key is a JSON field. */
export interface RoutableRequest {
  id: string;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
  json: () => unknown;
}

export interface RoutingDecision {
  version: string;
  role: Route["role"] | "preview";
  /** The stickiness key used (absent: the request id was hashed). */
  key: string | undefined;
  /** A cookie to set so that a browser keeps its variant (sticky by cookie and the request had none). */
  setCookie?: string;
}

/** Buckets of the split: weights are percent with up to two decimals. */
const BUCKETS = 10_000;

/** The default blue/green preview header and the value that selects the preview. */
const PREVIEW_VALUE = "true";

export function routeRequest(snapshot: RoutingSnapshot, request: RoutableRequest): RoutingDecision {
  if (snapshot.preview !== undefined && wantsPreview(snapshot.preview.header, request.headers)) {
    return { version: snapshot.preview.version, role: "preview", key: undefined };
  }
  const sticky = snapshot.sticky;
  let key = sticky === undefined ? undefined : stickyKeyOf(sticky, request);
  let setCookie: string | undefined;
  if (sticky !== undefined && "cookie" in sticky && key === undefined) {
    // A browser's first request: its variant follows from a key we hand it, so the next requests stick.
    key = request.id;
    setCookie = `${sticky.cookie}=${encodeURIComponent(key)}; Path=/; Max-Age=31536000; SameSite=Lax`;
  }
  const route = pickRoute(snapshot.routes, bucketOf(`${snapshot.deployment}\n${key ?? request.id}`));
  return { version: route.version, role: route.role, key, ...(setCookie ? { setCookie } : {}) };
}

/** The route whose cumulative weight covers the bucket; routes with weight 0 never answer. */
export function pickRoute(routes: readonly Route[], bucket: number): Route {
  const total = routes.reduce((sum, r) => sum + Math.max(0, r.weight), 0);
  let acc = 0;
  for (const route of routes) {
    if (route.weight <= 0) continue;
    acc += (route.weight / total) * BUCKETS;
    if (bucket < acc) return route;
  }
  const last = [...routes].reverse().find((r) => r.weight > 0) ?? routes[0];
  if (last === undefined) throw new Error("a routing snapshot without routes cannot route a request");
  return last;
}

/** A well-mixed bucket in [0, BUCKETS) of a string: FNV-1a with MurmurHash3's finaliser. */
export function bucketOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % BUCKETS;
}

/** The request's stickiness key, or undefined when it carries none. */
export function stickyKeyOf(sticky: StickyKey, request: RoutableRequest): string | undefined {
  if ("header" in sticky) return nonEmpty(first(request.headers[sticky.header.toLowerCase()]));
  if ("query" in sticky) return nonEmpty(scalarText(first(request.query[sticky.query])));
  if ("cookie" in sticky) return cookieValue(first(request.headers.cookie), sticky.cookie);
  return nonEmpty(scalarText(jsonFieldOf(request.json(), sticky.jsonField)));
}

/**
 * A JSON field of the body: a top-level key, else the field of the first record or row (dataframe_records,
 * dataframe_split, instances, inputs as records) — a request scores one entity, whose key sits in its row.
 */
export function jsonFieldOf(body: unknown, field: string): unknown {
  if (!isRecord(body)) return undefined;
  if (Object.hasOwn(body, field)) return body[field];
  for (const key of ["dataframe_records", "instances", "inputs"]) {
    const rows = body[key];
    if (Array.isArray(rows) && isRecord(rows[0]) && Object.hasOwn(rows[0], field)) return rows[0][field];
    if (isRecord(rows) && Object.hasOwn(rows, field)) {
      const column = rows[field];
      return Array.isArray(column) ? column[0] : column;
    }
  }
  const split = body.dataframe_split;
  if (isRecord(split) && Array.isArray(split.columns) && Array.isArray(split.data)) {
    const index = split.columns.indexOf(field);
    const row: unknown = split.data[0];
    if (index >= 0 && Array.isArray(row)) return row[index];
  }
  return undefined;
}

function wantsPreview(header: string, headers: RoutableRequest["headers"]): boolean {
  // The snapshot names the header ("x-flowgate-preview") or the header and its value ("x-env: green").
  const colon = header.indexOf(":");
  const name = (colon < 0 ? header : header.slice(0, colon)).trim().toLowerCase();
  const wanted = colon < 0 ? PREVIEW_VALUE : header.slice(colon + 1).trim();
  const value = first(headers[name]);
  return value !== undefined && value.trim().toLowerCase() === wanted.toLowerCase();
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return nonEmpty(decodeURIComponent(raw));
      } catch {
        return nonEmpty(raw);
      }
    }
  }
  return undefined;
}

function first<T>(value: T | T[] | undefined): T | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  return undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
