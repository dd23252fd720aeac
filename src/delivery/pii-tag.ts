// Which input columns serving logs as hashes: the model's `pii` tag, read when the routing snapshot is built.
// The registered model's tag speaks for every version; without it, the versions' own tags are joined (a
// column one live version calls personal is hashed for all of them: hashing too much is the safe mistake).
import type { Executor } from "../store/database.js";
import { hashedColumnsOf } from "./monitoring-spec.js";

export const PII_TAG = "pii";

/** The hashed columns of `model` for the snapshot naming `versions` ("all": every input). */
export async function piiColumns(
  x: Executor,
  model: string,
  versions: readonly string[],
): Promise<string[] | "all"> {
  const m = await x.selectFrom("registered_models").select("id").where("name", "=", model).executeTakeFirst();
  if (m === undefined) return [];
  const id = Number(m.id);
  const modelTag = await x
    .selectFrom("registered_model_tags")
    .select("value")
    .where("registered_model_id", "=", id)
    .where("key", "=", PII_TAG)
    .executeTakeFirst();
  if (modelTag !== undefined) return hashedColumnsOf(modelTag.value);
  const numbers = versions.map(Number).filter((v) => Number.isSafeInteger(v));
  if (numbers.length === 0) return [];
  const rows = await x
    .selectFrom("model_version_tags")
    .select("value")
    .where("registered_model_id", "=", id)
    .where("version", "in", numbers)
    .where("key", "=", PII_TAG)
    .execute();
  const columns = new Set<string>();
  for (const r of rows) {
    const hashed = hashedColumnsOf(r.value);
    if (hashed === "all") return "all";
    for (const c of hashed) columns.add(c);
  }
  return [...columns].sort();
}
