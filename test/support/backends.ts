// The metadata-store back ends every store test runs on: SQLite and a real PostgreSQL.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freshPostgresDatabase } from "./postgres.js";

export interface TestBackend {
  name: "sqlite" | "postgresql";
  /** A backend-store URI for a new, empty database. */
  freshUri(): Promise<string>;
}

export const BACKENDS: readonly TestBackend[] = [
  {
    name: "sqlite",
    freshUri: async () =>
      `sqlite:///${path.join(mkdtempSync(path.join(tmpdir(), "flowgate-db-")), "flowgate.db")}`,
  },
  { name: "postgresql", freshUri: freshPostgresDatabase },
];
