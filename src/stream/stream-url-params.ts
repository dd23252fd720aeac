// Numeric query parameters of a broker URL (`?claimIdle=…`, `?dedupeWindow=…`), checked the same way for every
// broker, so a bad value is refused up front with the parameter's name and what is allowed.
import { invalidParameter } from "../core/errors.js";

/** A positive integer query parameter, or its default when absent. */
export function integerParam(params: URLSearchParams, name: string, fallback: number): number {
  const raw = params.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw invalidParameter(`stream URL parameter '${name}' is '${raw}'; it must be a positive integer`);
  }
  return value;
}
