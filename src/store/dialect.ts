// Engine differences between SQLite and PostgreSQL, in one object. Code outside src/store never asks
// which engine it runs on; it asks this object for the piece of SQL or schema that differs.
import type { ColumnDefinitionBuilder } from "kysely";

export type EngineName = "sqlite" | "postgresql";

export interface Dialect {
  readonly engine: EngineName;
  /** An integer primary key the database numbers itself, that still accepts an explicit value (experiment "0"). */
  identityColumn(col: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** Column type for 64-bit integers (timestamps in ms, steps). */
  readonly bigint: "integer" | "bigint";
  /** Column type for doubles (metric values). */
  readonly double: "real" | "double precision";
  /** A collation that orders text by code point, so ORDER BY on text gives the same order on both engines. */
  readonly binaryCollation: string;
}

export const sqliteDialect: Dialect = {
  engine: "sqlite",
  identityColumn: (col) => col.primaryKey().autoIncrement(),
  bigint: "integer",
  double: "real",
  binaryCollation: "binary",
};

export const postgresDialect: Dialect = {
  engine: "postgresql",
  identityColumn: (col) => col.primaryKey().generatedByDefaultAsIdentity(),
  bigint: "bigint",
  double: "double precision",
  binaryCollation: '"C"',
};
