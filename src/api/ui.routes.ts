// Serves the web UI (the Vite build in ui/dist) at `/`, with a single-page-app fallback: any other GET that
// is not an API path gets index.html so deep links (/runs/…, /models/…) work on reload. API paths are never
// shadowed: an unknown /api/… or /ajax-api/… path still answers ENDPOINT_NOT_FOUND as JSON.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyReply } from "fastify";
import { sendError } from "./error-handler.js";
import type { RoutePlugin } from "./server.js";

/** Paths owned by the server itself; the SPA fallback must never answer them. */
const RESERVED = /^\/(api|ajax-api|health|version|metrics)(\/|$|\?)/;

// The UI only loads its own scripts and styles; images come from same-origin blobs (artifact previews).
const CSP =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; " +
  "object-src 'none'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'";

/** ui/dist beside this file's package root: src/api/ (tsx) and dist/api/ (built) are both two levels down. */
export function defaultUiDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "ui", "dist");
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Flowgate</title></head>
<body><h1>Flowgate</h1><p>The web UI has not been built. Run <code>npm run build</code> (it builds ui/ too)
and restart the server. The APIs under /api/ work without it.</p></body></html>`;

export function uiRoutes(options: { uiDir: string }): RoutePlugin {
  return async (app) => {
    const indexFile = path.join(options.uiDir, "index.html");
    const built = existsSync(indexFile);
    const indexHtml = built ? readFileSync(indexFile, "utf8") : NOT_BUILT;
    const sendIndex = (reply: FastifyReply): FastifyReply =>
      reply
        .header("cache-control", "no-cache")
        .header("content-security-policy", CSP)
        .type("text/html; charset=utf-8")
        .send(indexHtml);

    if (built) {
      await app.register(fastifyStatic, {
        root: options.uiDir,
        // One route per built file (found at start), so unknown paths fall through to the SPA handler below.
        wildcard: false,
        index: false,
        serve: true,
        setHeaders(reply, filePath) {
          // Vite puts a content hash in every asset name: safe to cache forever.
          if (filePath.includes(`${path.sep}assets${path.sep}`)) {
            reply.header("cache-control", "public, max-age=31536000, immutable");
          }
        },
      });
    }

    // The web UI's pages are not part of the API description.
    const page = { schema: { hide: true } };
    app.get("/", page, async (_request, reply) => sendIndex(reply));
    app.get("/*", page, async (request, reply) => {
      const urlPath = request.url.split("?")[0] ?? "";
      // A missing file with an extension (a stale asset) is a 404, not HTML served as a script.
      if (RESERVED.test(urlPath) || /\.[a-z0-9]{1,8}$/i.test(urlPath)) {
        return sendError(reply, "ENDPOINT_NOT_FOUND", `No endpoint GET ${urlPath}.`);
      }
      return sendIndex(reply);
    });
  };
}
