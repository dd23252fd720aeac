// Model URIs as `mlflow models serve` takes them: models:/name/version, models:/name@alias,
// models:/name/stage|latest, runs:/run_id/path, or a local directory. Refuses anything that could smuggle shell
// or path syntax (hostile-inputs G.39) — the URI is only ever used as data, but a bad one fails early and clearly.
import { invalidParameter } from "../core/errors.js";

export type ModelUri =
  | { kind: "local"; path: string }
  | { kind: "version"; name: string; version: string }
  | { kind: "alias"; name: string; alias: string }
  | { kind: "stage"; name: string; stage: string }
  | { kind: "run"; runId: string; path: string };

const NAME = /^[^/@;$`|&<>\\\n\r\0]+$/;

export function parseModelUri(uri: string): ModelUri {
  if (/[\0\n\r;$`|&<>]/.test(uri)) {
    throw invalidParameter(
      `Model URI '${uri}' contains shell or control characters; expected models:/<name>/<version>, models:/<name>@<alias>, runs:/<run_id>/<path> or a directory.`,
    );
  }
  if (uri.startsWith("models:/")) {
    const rest = uri.slice("models:/".length);
    const at = rest.indexOf("@");
    if (at > 0) {
      const name = rest.slice(0, at);
      const alias = rest.slice(at + 1);
      if (NAME.test(name) && /^[\w-]+$/.test(alias)) return { kind: "alias", name, alias };
    } else {
      const slash = rest.lastIndexOf("/");
      const name = rest.slice(0, slash);
      const tail = rest.slice(slash + 1);
      if (slash > 0 && NAME.test(name) && /^\d+$/.test(tail)) return { kind: "version", name, version: tail };
      if (slash > 0 && NAME.test(name) && /^[\w-]+$/.test(tail)) return { kind: "stage", name, stage: tail };
    }
    throw invalidParameter(
      `Model URI '${uri}' is not models:/<name>/<version>, models:/<name>@<alias> or models:/<name>/<stage>.`,
    );
  }
  if (uri.startsWith("runs:/")) {
    const m = /^runs:\/([0-9a-zA-Z-]+)\/(.+)$/.exec(uri);
    const path = m?.[2] ?? "";
    if (m === null || path.split("/").some((p) => p === ".." || p === "")) {
      throw invalidParameter(`Model URI '${uri}' is not runs:/<run_id>/<artifact path>.`);
    }
    return { kind: "run", runId: m[1] as string, path };
  }
  if (/^[a-z][\w+.-]*:/i.test(uri) && !uri.startsWith("file:")) {
    throw invalidParameter(
      `Model URI scheme of '${uri}' is not supported; use models:/, runs:/ or a local directory.`,
    );
  }
  return {
    kind: "local",
    path: uri.startsWith("file://") ? decodeURIComponent(uri.slice("file://".length)) : uri,
  };
}
