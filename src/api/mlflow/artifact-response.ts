// How an artifact file goes out over HTTP, the same from the artifact proxy and from the UI's get-artifact
// routes: always as an attachment, never in a type a browser would run. Artifacts are user uploads; served
// inline from this origin, an HTML or SVG file would be stored XSS (hostile-inputs A.9, MLflow sends every
// artifact as an attachment with nosniff for the same reason).
import path from "node:path";
import type { FastifyReply } from "fastify";
import type { ArtifactFile } from "../../artifacts/artifact-repo.js";

const TEXT = "text/plain; charset=utf-8";

// MLflow's text extensions (mlflow/utils/mime_type_utils.py) are text/plain, so are the formats a browser
// would execute or render as a document (HTML, SVG, XML, JS); a few binary formats keep their own type so
// image and PDF previews work. Everything else is application/octet-stream.
const CONTENT_TYPES: Record<string, string> = {
  ".json": "application/json",
  ".csv": "text/csv; charset=utf-8",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".pdf": "application/pdf",
  ".parquet": "application/octet-stream",
};
const TEXT_EXTENSIONS =
  "txt log err cfg conf cnf cf ini properties prop hocon toml yaml yml xml js py py3 tsv md rst ipynb html htm svg xhtml mjs";
for (const ext of TEXT_EXTENSIONS.split(" ")) {
  CONTENT_TYPES[`.${ext}`] = TEXT;
}
/** Files MLflow names without an extension and shows as text. */
const TEXT_FILES = new Set(["MLmodel", "MLproject"]);

export function artifactContentType(filePath: string): string {
  const base = path.posix.basename(filePath);
  if (TEXT_FILES.has(base)) return TEXT;
  return CONTENT_TYPES[path.posix.extname(base).toLowerCase()] ?? "application/octet-stream";
}

/** `attachment` with an ASCII fallback name and the exact name in RFC 5987 form. */
export function attachmentDisposition(filePath: string): string {
  const base = path.posix.basename(filePath);
  const ascii = base.replace(/[^\w.\- ]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(base)}`;
}

export function sendArtifactFile(
  reply: FastifyReply,
  artifactPath: string,
  file: ArtifactFile,
): FastifyReply {
  return reply
    .header("content-type", artifactContentType(artifactPath))
    .header("content-length", String(file.size))
    .header("content-disposition", attachmentDisposition(artifactPath))
    .header("x-content-type-options", "nosniff")
    .header("content-security-policy", "default-src 'none'; sandbox")
    .header("cache-control", "no-cache")
    .send(file.stream);
}
