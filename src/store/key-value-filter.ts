// Comparisons on the tags of a searched object (experiment, registered model, version) as ONE condition.
// A tag table holds at most one row per owner and key (its primary key), so every comparison on one key
// tests that one row, and the comparisons on K keys hold exactly when K rows of the owner pass: one grouped
// subquery, however many comparisons. One correlated EXISTS per comparison instead made PostgreSQL search
// join orders over a hundred semi-joins (a 100-comparison tag filter ran past the statement timeout).
import { sql, type RawBuilder, type SqlBool } from "kysely";

/** One comparison on the value of the tag `key`; `test` builds it on the given value column. */
export interface KeyTest {
  key: string;
  test(value: RawBuilder<unknown>): RawBuilder<SqlBool>;
}

/** The tag table and how its rows name their owner: `[tag column, owner column]` pairs. */
export interface KeyValueTable {
  table: string;
  owner: ReadonlyArray<readonly [string, string]>;
}

/** Owners whose tags pass every test, as one condition on the owner's row (undefined for no tests). */
export function keyValueFilter(
  { table, owner }: KeyValueTable,
  tests: readonly KeyTest[],
): RawBuilder<SqlBool> | undefined {
  if (tests.length === 0) return undefined;
  const byKey = new Map<string, KeyTest[]>();
  for (const t of tests) byKey.set(t.key, [...(byKey.get(t.key) ?? []), t]);
  const value = sql.ref("kv.value");
  const rowTest = (key: string, keyTests: KeyTest[]): RawBuilder<SqlBool> =>
    sql<SqlBool>`(kv.key = ${key} and ${sql.join(
      keyTests.map((t) => t.test(value)),
      sql` and `,
    )})`;
  const from = sql.table(`${table}`);
  if (byKey.size === 1) {
    const [[key, keyTests]] = [...byKey] as [[string, KeyTest[]]];
    const joined = sql.join(
      owner.map(([child, parent]) => sql`${sql.ref(`kv.${child}`)} = ${sql.ref(parent)}`),
      sql` and `,
    );
    return sql<SqlBool>`exists (select 1 from ${from} kv where ${joined} and ${rowTest(key, keyTests)})`;
  }
  const parents = sql.join(owner.map(([, parent]) => sql.ref(parent)));
  const children = sql.join(owner.map(([child]) => sql.ref(`kv.${child}`)));
  const anyKey = sql.join(
    [...byKey].map(([key, keyTests]) => rowTest(key, keyTests)),
    sql` or `,
  );
  return sql<SqlBool>`(${parents}) in (select ${children} from ${from} kv where kv.key in (${sql.join([...byKey.keys()])}) and (${anyKey}) group by ${children} having count(*) = ${byKey.size})`;
}
