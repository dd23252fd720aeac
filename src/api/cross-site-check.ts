// Refuses state-changing requests that a page on another origin could have made a visitor's browser send
// (CSRF; MLflow's CVE-2023-43472 was a cross-site text/plain POST). Without auth there is no cookie or token
// to forge, so the request's shape is the only defence:
// - A browser sends PUT, PATCH and DELETE across origins only after a CORS preflight, which this server never
//   approves; GET and HEAD change nothing. POST is the one "simple" state-changing method: a page can send it
//   with no Content-Type or a form/text one, and no preflight.
// - So every POST to an API route must say application/json, with or without a body, and a body sent with
//   any other method must be JSON too (a raw-body route excepted, see below).
// - Browsers tell on themselves: Sec-Fetch-Site, and Origin on every cross-origin write. A request that
//   says it comes from another site or origin is refused whatever its shape.
// - Raw-body routes (artifact uploads) take bytes of any type. A POST there with a type a page could send
//   without a preflight is accepted only when the browser vouches that it is same-origin (MLflow's own UI
//   uploads as application/json, which needs no vouching).
// It is decided on the matched route (Fastify's route pattern and its config), never on the raw URL, so
// `/%61pi/...` is held to the same rule as `/api/...`.
import type { FastifyRequest } from "fastify";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The body is the route's raw bytes (artifact uploads): any Content-Type, see cross-site-check.ts. */
    rawBody?: boolean;
  }
}

/** The Content-Types a page may send cross-origin without a preflight (Fetch standard, CORS-safelisted). */
const SIMPLE_TYPES = new Set(["", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]);

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers["content-length"];
  return (length !== undefined && length !== "0") || request.headers["transfer-encoding"] !== undefined;
}

function mediaType(request: FastifyRequest): string {
  return (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value?.split(",")[0]?.trim().toLowerCase();
}

/**
 * The hosts this request may legitimately come from: the Host it was sent to, the public host a reverse
 * proxy says it forwarded from (a page cannot add X-Forwarded-Host to a simple request), and the names the
 * operator listed with --allowed-hosts.
 */
function ownHosts(request: FastifyRequest, allowedHosts: readonly string[]): Set<string> {
  const hosts = new Set(allowedHosts.filter((h) => h !== "*").map((h) => h.toLowerCase()));
  for (const header of [request.headers.host, request.headers["x-forwarded-host"]]) {
    const host = firstValue(header);
    if (host !== undefined && host !== "") hosts.add(host);
  }
  return hosts;
}

/** "same-origin", "cross-origin", or "unknown" when the browser said nothing (or it is not a browser). */
function originOf(request: FastifyRequest, allowedHosts: readonly string[]): "same" | "cross" | "unknown" {
  const site = firstValue(request.headers["sec-fetch-site"]);
  if (site === "cross-site" || site === "same-site") return "cross";
  const origin = firstValue(request.headers.origin);
  if (origin !== undefined) {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return "cross"; // "null" (sandboxed frames, file: pages) or garbage
    }
    const own = ownHosts(request, allowedHosts);
    return own.has(host) || own.has(host.replace(/:\d+$/, "")) ? "same" : "cross";
  }
  return site === "same-origin" ? "same" : "unknown";
}

/** Why the request is refused, or undefined when it may go on. */
export function crossSiteRefusal(
  request: FastifyRequest,
  allowedHosts: readonly string[],
): string | undefined {
  const method = request.method;
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return undefined;
  // Unknown paths answer 404 without doing anything.
  if (request.routeOptions.url === undefined) return undefined;
  const origin = originOf(request, allowedHosts);
  if (origin === "cross") {
    return (
      `Cross-origin request blocked: ${method} from another site (Origin ${firstValue(request.headers.origin) ?? "not given"}) ` +
      "is refused; call the API from this server's own pages or from a non-browser client."
    );
  }
  const type = mediaType(request);
  if (request.routeOptions.config.rawBody === true) {
    if (method === "POST" && SIMPLE_TYPES.has(type) && origin !== "same") {
      return (
        `Content-Type '${type || "none"}' is what a cross-site form can send: upload the bytes as ` +
        "application/octet-stream (or their own media type) instead."
      );
    }
    return undefined;
  }
  if (type === "application/json") return undefined;
  if (method === "POST") {
    return "Content-Type must be application/json for this request, also when the body is empty.";
  }
  return hasBody(request) ? "Content-Type must be application/json for this request's body." : undefined;
}
