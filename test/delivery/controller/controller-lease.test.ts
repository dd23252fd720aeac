// The controller lease, on SQLite and PostgreSQL: one holder at a time, renewed by its holder, taken over once
// it lapses, given up at shutdown; and two servers racing for it never both hold it.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../../support/backends.js";
import { openDatabase, type Database } from "../../../src/store/database.js";
import { createControllerLease } from "../../../src/delivery/controller/controller-lease.js";

const lease = createControllerLease();
const T = 1_700_000_000_000;

for (const backend of BACKENDS) {
  describe(`the controller lease (${backend.name})`, () => {
    let a: Database;
    let b: Database;
    before(async () => {
      const uri = await backend.freshUri();
      // Two servers: two connections (pools) over one database.
      a = await openDatabase(uri);
      b = await openDatabase(uri);
    });
    after(async () => {
      await a.close();
      await b.close();
    });

    it("is held by one server until it lapses, renewed by its holder, then taken over", async () => {
      assert.equal(await lease.acquire(a.db, "fraud", "server-a", T, 10_000), true);
      assert.equal(await lease.acquire(b.db, "fraud", "server-b", T + 1000, 10_000), false);
      assert.equal(await lease.acquire(a.db, "fraud", "server-a", T + 5000, 10_000), true, "renewed");
      assert.equal(
        await lease.acquire(b.db, "fraud", "server-b", T + 14_999, 10_000),
        false,
        "renewal extended it",
      );
      assert.equal(
        await lease.acquire(b.db, "fraud", "server-b", T + 15_000, 10_000),
        true,
        "lapsed: taken over",
      );
      assert.equal(await lease.acquire(a.db, "fraud", "server-a", T + 15_001, 10_000), false);
      assert.equal(
        await lease.acquire(a.db, "churn", "server-a", T + 15_001, 10_000),
        true,
        "one lease per deployment",
      );
    });

    it("is free for another server at once after its holder gives it up", async () => {
      assert.equal(await lease.acquire(a.db, "rec", "server-a", T, 10_000), true);
      await lease.releaseAll(a.db, "server-a");
      assert.equal(await lease.acquire(b.db, "rec", "server-b", T + 1, 10_000), true);
    });

    it("is never held by two servers racing for it tick after tick", async () => {
      let both = 0;
      let none = 0;
      for (let tick = 0; tick < 200; tick++) {
        // Every 7th tick the clock jumps a minute, the lease has lapsed and either may win it; otherwise its
        // holder renews it.
        const now = T + 100_000 + tick * 1000 + Math.floor(tick / 7) * 60_000;
        const [x, y] = await Promise.all([
          lease.acquire(a.db, `race`, "server-a", now, 10_000),
          lease.acquire(b.db, `race`, "server-b", now, 10_000),
        ]);
        if (x && y) both++;
        if (!x && !y) none++;
      }
      assert.equal(both, 0);
      assert.equal(none, 0);
    });
  });
}
