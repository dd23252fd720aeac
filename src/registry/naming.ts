// Registered model names: what is refused (a name must work inside a `models:/<name>/<version>` URI) and
// what is only warned about (the house rule "name the product, the registry numbers the versions":
// `fraud_detector_v2_final` → `fraud-detector`).
import { invalidParameter } from "../core/errors.js";
import { checkNameShape } from "../core/name-rules.js";
import { previewText } from "../core/value-preview.js";

const MAX_NAME_LENGTH = 256;
// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const FORBIDDEN = /[\u0000-\u001f\u007f/@]/;

/**
 * Refuses names that cannot round-trip through a model URI (empty, too long, `/`, `@` or control characters)
 * and names that break the shape rule every name obeys (core/name-rules.ts: NFC, no invisible characters,
 * single inner spaces, no percent-escapes).
 */
export function checkModelName(name: string, field = "name"): string {
  if (name.trim() === "")
    throw invalidParameter(`Invalid '${field}': a registered model name cannot be empty.`);
  if (name.length > MAX_NAME_LENGTH) {
    throw invalidParameter(
      `Invalid '${field}': a registered model name may have at most ${MAX_NAME_LENGTH} characters.`,
    );
  }
  if (FORBIDDEN.test(name)) {
    throw invalidParameter(
      `Invalid ${field} ${previewText(name)}: a registered model name may not contain '/', '@' or control characters ` +
        "(it must fit in models:/<name>/<version> and models:/<name>@<alias>).",
    );
  }
  return checkNameShape(name, "registered model name", field);
}

export interface NameLint {
  warnings: string[];
  /** A cleaner name to use instead; undefined when the name is fine. */
  suggestedName: string | undefined;
}

const VERSION_WORD = /^(v|ver|version)?\d+([._]\d+)*$/i;
const TEMPORAL_WORDS = new Set(["final", "new", "copy", "old", "latest", "tmp", "temp"]);

/** Warns about version numbers and final/new/copy-style words in a model name, with a suggested name. */
export function lintModelName(name: string): NameLint {
  const words = name.split(/[\s_\-.]+/).filter((w) => w !== "");
  const warnings: string[] = [];
  const versionWords = words.filter((w) => VERSION_WORD.test(w));
  const temporalWords = words.filter((w) => TEMPORAL_WORDS.has(w.toLowerCase()));
  if (versionWords.length > 0) {
    warnings.push(
      `Model name '${name}' contains a version number (${versionWords.join(", ")}): the registry numbers versions; name the product.`,
    );
  }
  if (temporalWords.length > 0) {
    warnings.push(
      `Model name '${name}' contains ${temporalWords.map((w) => `'${w}'`).join(", ")}: such words stop being true; ` +
        "use versions, stages and aliases instead.",
    );
  }
  if (warnings.length === 0) return { warnings, suggestedName: undefined };
  const kept = words.filter((w) => !VERSION_WORD.test(w) && !TEMPORAL_WORDS.has(w.toLowerCase()));
  const suggested = kept.map((w) => w.toLowerCase()).join("-");
  return { warnings, suggestedName: suggested === "" ? undefined : suggested };
}
