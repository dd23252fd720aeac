// Tag rules shared by registered models and versions (MLflow's registry tag limits).
import { invalidParameter } from "../core/errors.js";

const MAX_KEY_LENGTH = 250;
const MAX_VALUE_LENGTH = 100_000;

export function checkRegistryTag(key: string, value: string): void {
  if (key === "") throw invalidParameter("Invalid tag: the key cannot be empty.");
  if (key.length > MAX_KEY_LENGTH) {
    throw invalidParameter(
      `Invalid tag key '${key.slice(0, 40)}…': keys may have at most ${MAX_KEY_LENGTH} characters.`,
    );
  }
  if (value.length > MAX_VALUE_LENGTH) {
    throw invalidParameter(
      `Invalid value for tag '${key}': values may have at most ${MAX_VALUE_LENGTH} characters.`,
    );
  }
}

export function checkRegistryTags(
  tags: ReadonlyArray<{ key: string; value: string }>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, value } of tags) {
    checkRegistryTag(key, value);
    out[key] = value;
  }
  return out;
}
