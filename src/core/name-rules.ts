// What a user-chosen name (a registered model, an experiment) may look like, and when two names are the
// same name. Permissions, URIs and people refer to objects by name, so a second object whose name merely
// looks like an existing one ("prod model" / "Prod Model" / "prod\u00a0model" / fullwidth letters) is a
// spoofing tool; MLflow's CVE-2024-3099 was exactly this. Two rules:
// - shape: NFC, no control, format (zero-width, bidi) or line/paragraph separator characters, no
//   whitespace other than U+0020, no leading, trailing or repeated spaces, no percent-escapes (a name is
//   never URL-encoded text);
// - sameness: names are the same when their keys are equal: NFKC (fullwidth → ASCII, ligatures split),
//   accents dropped, case folded, and `+` read as a space (a query string sends a space as `+`).
// The key is stored in a unique column (migration 0007), so sameness holds under concurrent creates.
import { invalidParameter } from "./errors.js";
import { previewText } from "./value-preview.js";

/** Control (Cc), format (Cf), line and paragraph separators (Zl, Zp), unassigned/private/surrogates. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}]/u;
/** Whitespace other than the plain space (NBSP, tabs, ideographic and typographic spaces…). */
const OTHER_SPACE = /[^\S ]/u;
const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/;

function codePoint(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * Refuses a name that breaks the shape rule; `what` is e.g. "registered model name", `field` the request
 * field. Returns the name unchanged.
 */
export function checkNameShape(name: string, what: string, field: string): string {
  const refuse = (problem: string): never => {
    throw invalidParameter(`Invalid ${field} ${previewText(name)}: a ${what} ${problem}.`);
  };
  const invisible = INVISIBLE.exec(name) ?? OTHER_SPACE.exec(name);
  if (invisible !== null) {
    refuse(
      `may not contain ${codePoint(invisible[0])} (no control, invisible or separator characters, and no ` +
        "whitespace but the plain space)",
    );
  }
  if (name !== name.normalize("NFC")) {
    refuse("must be in Unicode NFC form (precomposed accents, e.g. 'é' rather than 'e' + U+0301)");
  }
  if (name !== name.trim()) refuse("may not begin or end with a space");
  if (name.includes("  ")) refuse("may not contain two spaces in a row");
  if (PERCENT_ESCAPE.test(name)) {
    refuse("may not contain percent-escapes such as %20 (send the character itself, not URL-encoded text)");
  }
  return name;
}

/** The form under which two names count as the same name (see the file comment). */
export function nameKey(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .normalize("NFKC")
    .replace(/\+/g, " ")
    .toUpperCase()
    .toLowerCase()
    .replace(/\s+/gu, " ")
    .trim();
}
