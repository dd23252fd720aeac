// Serves the web UI (the Vite build in ui/dist) at `/`, with a single-page-app fallback so deep links
// (/runs/…, /models/…) work on reload. The fallback is an allow-list of the UI's own pages: any other path
// (/api/…, /get-artifact, a stale /assets/… file, whatever MLflow or a later version adds) answers
// ENDPOINT_NOT_FOUND as JSON, so no API-shaped path can ever get the page — or skip the API's login.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyReply } from "fastify";
import { sendError } from "./error-handler.js";
import type { RoutePlugin } from "./server.js";

/** The first path segments of the UI's pages (ui/src/app.tsx); test/api/ui-routes.test.ts keeps them in step. */
export const UI_PAGES = [
  "experiments",
  "runs",
  "compare",
  "models",
  "governance",
  "login",
  "deployments",
  "monitoring",
] as const;
const PAGE = new RegExp(`^/(${UI_PAGES.join("|")})(/|$)`);

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
      if (!PAGE.test(urlPath)) {
        return sendError(reply, "ENDPOINT_NOT_FOUND", `No endpoint GET ${urlPath}.`);
      }
      return sendIndex(reply);
    });
  };
}
