import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { openDatabase, type Database } from "../../src/store/database.js";
import { createAuditLog } from "../../src/governance/audit.js";
import { systemClock } from "../../src/core/clock.js";
import { createLogger } from "../../src/core/logger.js";
import { FlowgateError } from "../../src/core/errors.js";
import { systemContext } from "../../src/core/request-context.js";
import { createSqlRegistryStore } from "../../src/registry/sql-registry-store.js";
import { createSqlLoggedModelStore } from "../../src/tracking/sql-logged-model-store.js";
import type { RegistryChange, RegistryDeps, RegistryHooks } from "../../src/registry/registry-deps.js";
import { createRegisteredModel } from "../../src/registry/registered-models.js";
import { createModelVersion, getModelVersion } from "../../src/registry/versions.js";
import { transitionStage } from "../../src/registry/stages.js";
import { setAlias } from "../../src/registry/aliases.js";

// The extension point governance and webhooks build on: a `check` that refuses a change leaves nothing
// behind, and `changed` runs in the change's own transaction (an event exists exactly when its change does).
for (const backend of BACKENDS) {
  describe(`registry hooks on ${backend.name}`, () => {
    let database: Database;
    const seen: RegistryChange[] = [];
    let failAfterWrite = false;
    const hooks: RegistryHooks = {
      async check(_trx, _ctx, change) {
        if (change.toStage === "Production") {
          throw new FlowgateError("PERMISSION_DENIED", "Production needs an approval.");
        }
      },
      async changed(_trx, _ctx, change) {
        if (failAfterWrite) throw new Error("outbox unavailable");
        seen.push(change);
      },
    };
    let deps: RegistryDeps;
    const ctx = systemContext("hooks-test");

    before(async () => {
      database = await openDatabase(await backend.freshUri());
      deps = {
        database,
        store: createSqlRegistryStore(createSqlLoggedModelStore()),
        audit: createAuditLog(systemClock),
        clock: systemClock,
        logger: createLogger({ level: "silent" }),
        hooks,
      };
      await createRegisteredModel(deps, ctx, { name: "gated" });
      await createModelVersion(deps, ctx, {
        name: "gated",
        source: "mlflow-artifacts:/1/models/m-1/artifacts",
      });
    });
    after(async () => database.close());

    it("a check that refuses a promotion leaves the stage and the audit log untouched", async () => {
      await assert.rejects(
        transitionStage(deps, ctx, {
          name: "gated",
          version: 1,
          stage: "production",
          archiveExistingVersions: true,
        }),
        (e: unknown) => e instanceof FlowgateError && e.code === "PERMISSION_DENIED",
      );
      assert.equal((await getModelVersion(deps, "gated", 1)).currentStage, "None");
      const audits = await database.db
        .selectFrom("audit_events")
        .select("id")
        .where("action", "=", "model_version.transition_stage")
        .execute();
      assert.equal(audits.length, 0);
    });

    it("an allowed change reaches the changed hook with its stages", async () => {
      await transitionStage(deps, ctx, {
        name: "gated",
        version: 1,
        stage: "Staging",
        archiveExistingVersions: false,
      });
      const last = seen.at(-1);
      assert.equal(last?.action, "model_version.transition_stage");
      assert.equal(last?.fromStage, "None");
      assert.equal(last?.toStage, "Staging");
    });

    it("when the changed hook fails, the change is rolled back with it", async () => {
      failAfterWrite = true;
      await assert.rejects(setAlias(deps, ctx, { name: "gated", alias: "champion", version: 1 }));
      failAfterWrite = false;
      assert.deepEqual((await getModelVersion(deps, "gated", 1)).aliases, []);
    });
  });
}
