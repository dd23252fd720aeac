import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { sql } from "kysely";
import { BACKENDS } from "../support/backends.js";
import { openDatabase } from "../../src/store/database.js";
import { FlowgateError } from "../../src/core/errors.js";

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
