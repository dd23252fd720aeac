// JSON text as Python's `json.dumps` writes it with its defaults (", " and ": " separators, non-ASCII as
// \uXXXX). MLflow's server writes some tags this way and clients compare or parse them as text.

export function pythonJsonDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const fields = Object.entries(value).map(([k, v]) => `${asciiJson(k)}: ${pythonJsonDumps(v)}`);
    return `{${fields.join(", ")}}`;
  }
  if (typeof value === "string") return asciiJson(value);
  return JSON.stringify(value) ?? "null";
}

function asciiJson(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
