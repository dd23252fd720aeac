// `order_by` clauses of registry searches: `"<field> [ASC|DESC]"`, field names as MLflow spells them.
import { invalidParameter } from "../../core/errors.js";

export interface OrderClause<F extends string> {
  field: F;
  ascending: boolean;
}

/** `aliases` maps every accepted spelling (e.g. MLflow's `timestamp`) to the field it sorts by. */
export function parseOrderBy<F extends string>(
  clauses: readonly string[],
  aliases: Readonly<Record<string, F>>,
): OrderClause<F>[] {
  return clauses.map((clause) => {
    const match = /^\s*(`[^`]+`|"[^"]+"|[\w.]+)\s*(ASC|DESC)?\s*$/i.exec(clause);
    const raw = match?.[1]?.replace(/^[`"]|[`"]$/g, "").replace(/^(attribute|attributes)\./i, "");
    const field = raw === undefined ? undefined : aliases[raw.toLowerCase()];
    if (match === null || field === undefined) {
      throw invalidParameter(
        `Invalid order_by clause '${clause}': use '<field> [ASC|DESC]' with field one of ${Object.keys(aliases).join(", ")}.`,
      );
    }
    return { field, ascending: (match[2] ?? "ASC").toUpperCase() === "ASC" };
  });
}
