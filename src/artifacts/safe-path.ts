// The only code that turns a client-supplied artifact path into a file path. MLflow's CVE history is one
// bug repeated (a path or URI turned into a file path, each fix closing one trick): so we decode until
// stable, refuse every form of escape, use the decoded value, and check containment again after resolving
// symlinks against a server-owned root.
import { realpath } from "node:fs/promises";
import path from "node:path";
import { invalidParameter } from "../core/errors.js";

const MAX_DECODE_ROUNDS = 10;

/** Percent-decodes until the string stops changing, so `%252e%252e` cannot hide `..`. */
export function decodeUntilStable(value: string): string {
  let current = value;
  for (let i = 0; i < MAX_DECODE_ROUNDS; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      throw invalidParameter(`Invalid path '${value}': it contains a malformed percent-encoding.`);
    }
    if (next === current) return current;
    current = next;
  }
  throw invalidParameter(`Invalid path '${value}': it is encoded too many times.`);
}

// Control characters (NUL, newline…), backslashes (Windows separators), and URL syntax that some
// downstream parser would honour (`?` query, `#` fragment, `;` params).
// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const FORBIDDEN = /[\u0000-\u001f\u007f\\?#;]/;

/**
 * Validates a relative artifact path (`model/MLmodel`) and returns it normalised: decoded, without a trailing
 * slash. Refused: absolute paths, drive letters, `.`/`..`/empty segments, control characters, `\ ? # ;`.
 * With `allowRoot`, the empty path (the root of the listing) is accepted and returned as "".
 */
export function checkArtifactPath(raw: string, options: { allowRoot?: boolean } = {}): string {
  const decoded = decodeUntilStable(raw);
  const trimmed = decoded.endsWith("/") ? decoded.slice(0, -1) : decoded;
  if (trimmed === "") {
    if (options.allowRoot === true) return "";
    throw invalidParameter("Invalid path '': a path inside the artifact root is required.");
  }
  const refuse = (why: string): never => {
    // "Invalid path" is MLflow's whole message; the rest says what was wrong.
    throw invalidParameter(`Invalid path '${raw}': ${why}.`);
  };
  if (FORBIDDEN.test(trimmed)) refuse("control characters, backslashes and ? # ; are not allowed");
  if (trimmed.startsWith("/") || /^[A-Za-z]:/.test(trimmed) || trimmed.startsWith("~")) {
    refuse("it must be relative to the artifact root");
  }
  for (const segment of trimmed.split("/")) {
    if (segment === "" || segment === "." || segment === "..")
      refuse("'.', '..' and empty segments are not allowed");
  }
  return trimmed;
}

/**
 * Joins a checked relative path onto `root` and proves the result stays inside `root` after symlinks are
 * resolved (the deepest existing ancestor is resolved, so this works for files about to be written).
 * Returns the absolute file path to use.
 */
export async function resolveInsideRoot(root: string, relativePath: string): Promise<string> {
  const checked = relativePath === "" ? "" : checkArtifactPath(relativePath);
  const realRoot = await realpath(root);
  const target = path.join(realRoot, ...checked.split("/").filter((s) => s !== ""));
  let existing = target;
  let suffix = "";
  for (;;) {
    try {
      const real = await realpath(existing);
      const resolved = suffix === "" ? real : path.join(real, suffix);
      if (resolved !== realRoot && !resolved.startsWith(realRoot + path.sep)) {
        throw invalidParameter(`Invalid path '${relativePath}': it resolves outside the artifact root.`);
      }
      return resolved;
    } catch (err) {
      // ENOTDIR: a parent is a file; the path cannot exist, so resolve the part that does, like ENOENT.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw err;
      if (existing === realRoot) throw err;
      suffix = suffix === "" ? path.basename(existing) : path.join(path.basename(existing), suffix);
      existing = path.dirname(existing);
    }
  }
}
