// How an error message quotes a value the client sent: at most a short prefix, so that a 3 MB mistake is
// not echoed back as a 3 MB error (the client already has the value; the message only has to point at it).

/** Characters of a value an error message repeats. */
export const PREVIEW_LENGTH = 100;

/** The value as JSON (a string in quotes), cut to {@link PREVIEW_LENGTH} characters with its full length. */
export function previewValue(value: unknown): string {
  let text: string;
  try {
    text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    // Too deep to serialise (or cyclic): say what it is instead.
    text = Array.isArray(value) ? "[…]" : "{…}";
  }
  return text.length > PREVIEW_LENGTH
    ? `${text.slice(0, PREVIEW_LENGTH)}… (${text.length} characters)`
    : text;
}

/** A string quoted as 'text', cut like {@link previewValue}; for names and filters written into messages. */
export function previewText(text: string): string {
  return text.length > PREVIEW_LENGTH
    ? `'${text.slice(0, PREVIEW_LENGTH)}…' (${text.length} characters)`
    : `'${text}'`;
}
