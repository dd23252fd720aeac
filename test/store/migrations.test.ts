import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { sql, type Kysely } from "kysely";
import { BACKENDS } from "../support/backends.js";
import { openDatabase } from "../../src/store/database.js";
import { FlowgateError } from "../../src/core/errors.js";
import { isUniqueViolation } from "../../src/store/db-errors.js";
import { postgresDialect, sqliteDialect } from "../../src/store/dialect.js";
import * as nameKeys from "../../src/store/migrations/0007-name-keys.js";
import * as requestApplied from "../../src/store/migrations/0010-request-applied.js";

for (const backend of BACKENDS) {
  describe(`migrations on ${backend.name}`, () => {
    it("applies every migration to an empty database, and is a no-op the second time", async () => {
      const uri = await backend.freshUri();
      const first = await openDatabase(uri);
      await first.close();
      const second = await openDatabase(uri);
      const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(second.db);
      assert.ok(rows.rows.some((r) => r.name === "0001-initial"));
      await second.close();
    });

    it("gives existing names their key in 0007; of names that already collide, the oldest keeps it", async () => {
      const uri = await backend.freshUri();
      const db = await openDatabase(uri);
      // Back to the schema before 0007, with look-alikes created when nothing refused them.
      for (const table of ["registered_models", "experiments"]) {
        await sql`drop index ${sql.raw(`${table}_by_name_key`)}`.execute(db.db);
        await sql`alter table ${sql.table(table)} drop column name_key`.execute(db.db);
      }
      for (const name of ["Prod Model", "prod model", "ｐｒｏｄ ｍｏｄｅｌ", "other"]) {
        await sql`insert into registered_models (name, creation_timestamp, last_updated_timestamp) values (${name}, 1, 1)`.execute(
          db.db,
        );
        await sql`insert into experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) values (${name}, '', 'active', 1, 1)`.execute(
          db.db,
        );
      }
      // 0007 itself, run again over them: the migrator would refuse to re-run it under the later migrations.
      await nameKeys.up(
        db.db as unknown as Kysely<unknown>,
        backend.name === "sqlite" ? sqliteDialect : postgresDialect,
      );
      const migrated = db;
      const models = await sql<{ name: string; name_key: string | null }>`
        select name, name_key from registered_models order by id`.execute(migrated.db);
      assert.deepEqual(models.rows, [
        { name: "Prod Model", name_key: "prod model" },
        { name: "prod model", name_key: null },
        { name: "ｐｒｏｄ ｍｏｄｅｌ", name_key: null },
        { name: "other", name_key: "other" },
      ]);
      const experiments = await sql<{ name: string; name_key: string | null }>`
        select name, name_key from experiments where name <> 'Default' order by experiment_id`.execute(
        migrated.db,
      );
      assert.deepEqual(
        experiments.rows.map((r) => r.name_key),
        ["prod model", null, null, "other"],
      );
      // The index holds from now on: a fourth look-alike cannot be written.
      await assert.rejects(
        sql`insert into registered_models (name, name_key, creation_timestamp, last_updated_timestamp) values ('PROD MODEL', 'prod model', 1, 1)`.execute(
          migrated.db,
        ),
        (err: unknown) => isUniqueViolation(err),
      );
      await migrated.close();
    });

    it("0010 counts the stage and alias requests approved before it as applied when they were decided", async () => {
      const db = await openDatabase(await backend.freshUri());
      const executor = db.db as unknown as Kysely<unknown>;
      await sql`alter table transition_requests drop column applied_at`.execute(executor);
      for (const [status, decidedAt] of [
        ["approved", 5],
        ["pending", null],
        ["rejected", 7],
      ] as const) {
        await sql`insert into transition_requests (model_name, version, target_kind, target, archive_existing, reason, status, requested_by, requested_at, decided_at)
          values ('m', 1, 'stage', 'Production', 0, 'r', ${status}, 'u', 1, ${decidedAt})`.execute(executor);
      }
      await requestApplied.up(executor, backend.name === "sqlite" ? sqliteDialect : postgresDialect);
      const rows = await sql<{ status: string; applied_at: number | string | null }>`
        select status, applied_at from transition_requests order by id`.execute(executor);
      assert.deepEqual(
        rows.rows.map((r) => [r.status, r.applied_at === null ? null : Number(r.applied_at)]),
        [
          ["approved", 5],
          ["pending", null],
          ["rejected", null],
        ],
      );
      await db.close();
    });

    it("refuses to start on a schema written by a newer Flowgate", async () => {
      const uri = await backend.freshUri();
      const db = await openDatabase(uri);
      await sql`insert into kysely_migration (name, timestamp) values ('9999-from-the-future', '2030-01-01')`.execute(
        db.db,
      );
      await db.close();
      await assert.rejects(openDatabase(uri), (err: unknown) => {
        assert.ok(err instanceof FlowgateError);
        assert.match(err.message, /newer than this Flowgate/);
        return true;
      });
    });
  });
}
