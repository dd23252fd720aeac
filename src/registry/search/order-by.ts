// `order_by` clauses of registry searches: `"<field> [ASC|DESC]"`, field names as MLflow spells them.
import { invalidParameter } from "../../core/errors.js";
import { parseOrderBy as parseOrderByClause } from "../../core/search-filter/parser.js";

export interface OrderClause<F extends string> {
  field: F;
  ascending: boolean;
}

const ATTRIBUTE_PREFIXES: readonly (string | undefined)[] = [undefined, "attribute", "attributes"];

/**
 * `aliases` maps every accepted spelling (e.g. MLflow's `timestamp`) to the field it sorts by; `refusal`
 * words an unknown key as MLflow does for that search, before the fields Flowgate takes.
 */
export function parseOrderBy<F extends string>(
  clauses: readonly string[],
  aliases: Readonly<Record<string, F>>,
  refusal: (key: string) => string = (key) => `Invalid order by key '${key}' specified.`,
): OrderClause<F>[] {
  return clauses.map((clause) => {
    const { field, ascending } = parseOrderByClause(clause);
    const key = field.key.toLowerCase();
    const known = ATTRIBUTE_PREFIXES.includes(field.prefix?.toLowerCase()) && Object.hasOwn(aliases, key);
    const sortField = known ? aliases[key] : undefined;
    if (sortField === undefined) {
      throw invalidParameter(
        `${refusal(field.key)} Use '<field> [ASC|DESC]' with field one of ${Object.keys(aliases).join(", ")}.`,
      );
    }
    return { field: sortField, ascending };
  });
}
