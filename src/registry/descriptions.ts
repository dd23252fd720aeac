// How long a registered model's or a version's description may be: MLflow's SQL store keeps both in a
// VARCHAR(5000) column (mlflow/store/model_registry/dbmodels/models.py), so a longer one is refused here
// with a clear message rather than stored on one engine and truncated or refused by another.
import { invalidParameter } from "../core/errors.js";

export const MAX_DESCRIPTION_LENGTH = 5000;

/** Refuses a description longer than {@link MAX_DESCRIPTION_LENGTH} characters; passes it through. */
export function checkDescription<T extends string | null | undefined>(
  description: T,
  field = "description",
): T {
  if (typeof description === "string" && description.length > MAX_DESCRIPTION_LENGTH) {
    throw invalidParameter(
      `Invalid value for parameter '${field}': a description may have at most ${MAX_DESCRIPTION_LENGTH} ` +
        `characters (got ${description.length}).`,
    );
  }
  return description;
}
