// Governance: users and service accounts, API tokens (hashed), role grants, promotion policies, stored gate
// evaluations and transition requests. Frozen once shipped.
import type { Kysely } from "kysely";
import type { Dialect } from "../dialect.js";

export async function up(db: Kysely<unknown>, d: Dialect): Promise<void> {
  const s = db.schema;
  await s
    .createTable("users")
    .addColumn("username", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("password_hash", "text")
    .addColumn("disabled", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", d.bigint, (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .execute();
  await s
    .createTable("api_tokens")
    .addColumn("token_id", "text", (c) => c.primaryKey())
    .addColumn("username", "text", (c) => c.notNull().references("users.username"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", d.bigint, (c) => c.notNull())
    .addColumn("expires_at", d.bigint)
    .addColumn("revoked_at", d.bigint)
    .addColumn("last_used_at", d.bigint)
    .execute();
  await s.createIndex("api_tokens_user").on("api_tokens").columns(["username"]).execute();
  await s
    .createTable("role_grants")
    .addColumn("id", d.bigint, (c) => d.identityColumn(c))
    .addColumn("username", "text", (c) => c.notNull().references("users.username"))
    .addColumn("role", "text", (c) => c.notNull())
    // "global", "registered_model" or "experiment"; scope_id is "" for global grants.
    .addColumn("scope_type", "text", (c) => c.notNull())
    .addColumn("scope_id", "text", (c) => c.notNull())
    .addColumn("created_at", d.bigint, (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addUniqueConstraint("role_grants_unique", ["username", "role", "scope_type", "scope_id"])
    .execute();
  await s
    .createTable("promotion_policies")
    // "" is the server default policy; otherwise a registered model name.
    .addColumn("model_name", "text", (c) => c.primaryKey())
    .addColumn("document", "text", (c) => c.notNull())
    .addColumn("updated_at", d.bigint, (c) => c.notNull())
    .addColumn("updated_by", "text", (c) => c.notNull())
    .execute();
  await s
    .createTable("gate_evaluations")
    .addColumn("id", d.bigint, (c) => d.identityColumn(c))
    .addColumn("model_name", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("target", "text", (c) => c.notNull())
    .addColumn("gate", "text", (c) => c.notNull())
    .addColumn("inputs", "text", (c) => c.notNull())
    .addColumn("passed", "integer", (c) => c.notNull())
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("time", d.bigint, (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("request_id", "text", (c) => c.notNull())
    .execute();
  await s
    .createIndex("gate_evaluations_version")
    .on("gate_evaluations")
    .columns(["model_name", "version"])
    .execute();
  await s
    .createTable("transition_requests")
    .addColumn("id", d.bigint, (c) => d.identityColumn(c))
    .addColumn("model_name", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    // "stage" (target = Staging/Production/Archived/None) or "alias" (target = alias name).
    .addColumn("target_kind", "text", (c) => c.notNull())
    .addColumn("target", "text", (c) => c.notNull())
    .addColumn("archive_existing", "integer", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("requested_by", "text", (c) => c.notNull())
    .addColumn("requested_at", d.bigint, (c) => c.notNull())
    .addColumn("decided_by", "text")
    .addColumn("decided_at", d.bigint)
    .addColumn("decision_comment", "text")
    .execute();
  await s
    .createIndex("transition_requests_status")
    .on("transition_requests")
    .columns(["status", "model_name"])
    .execute();
}
