// Writes MLflow's registered models, versions (stage, source, run id, status), tags, aliases and
// descriptions into Flowgate's registry. Identity keys: the model's exact name; a version by (model,
// version number) with the same source; a tag by key; an alias by name. A name that is the same name as
// another Flowgate model under the folded-name rule, or a version number Flowgate already used for other
// files, is skipped and reported. One transaction per registered model.
import { nameKey } from "../core/name-rules.js";
import type { Database } from "../store/database.js";
import type { ImportReport } from "./import-report.js";
import { loggedModelIdOfSource, type SourceRegisteredModel } from "./mlflow-source.js";
import type { UriMapper } from "./tracking-writer.js";

export async function writeRegisteredModel(
  database: Database,
  m: SourceRegisteredModel,
  mapUri: UriMapper,
  report: ImportReport,
): Promise<void> {
  await database.transaction(async (trx) => {
    let row = await trx
      .selectFrom("registered_models")
      .select("id")
      .where("name", "=", m.name)
      .executeTakeFirst();
    if (row === undefined) {
      const clash = await trx
        .selectFrom("registered_models")
        .select("name")
        .where("name_key", "=", nameKey(m.name))
        .executeTakeFirst();
      if (clash !== undefined) {
        report.skipped.push({
          kind: "registered_model",
          id: m.name,
          reason:
            `the same name as Flowgate's registered model '${clash.name}' (names are compared with case and ` +
            `accents folded); its ${m.versions.length} versions and aliases are skipped too`,
        });
        return;
      }
      row = await trx
        .insertInto("registered_models")
        .values({
          name: m.name,
          name_key: nameKey(m.name),
          creation_timestamp: m.creationTimestamp,
          last_updated_timestamp: m.lastUpdatedTimestamp,
          description: m.description,
          user_id: null,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      report.imported.registered_models += 1;
    } else {
      report.alreadyPresent.registered_models = (report.alreadyPresent.registered_models ?? 0) + 1;
    }
    const modelId = Number(row.id);

    const haveTags = new Set(
      (
        await trx
          .selectFrom("registered_model_tags")
          .select("key")
          .where("registered_model_id", "=", modelId)
          .execute()
      ).map((t) => t.key),
    );
    const tags = m.tags.filter((t) => !haveTags.has(t.key));
    if (tags.length > 0) {
      await trx
        .insertInto("registered_model_tags")
        .values(tags.map((t) => ({ registered_model_id: modelId, key: t.key, value: t.value })))
        .execute();
    }
    report.imported.registered_model_tags += tags.length;

    const haveVersions = new Map(
      (
        await trx
          .selectFrom("model_versions")
          .select(["version", "source"])
          .where("registered_model_id", "=", modelId)
          .execute()
      ).map((v) => [Number(v.version), v.source]),
    );
    const usable = new Set<number>();
    for (const v of m.versions) {
      const source = mapUri(v.source);
      const had = haveVersions.get(v.version);
      if (had !== undefined) {
        if (had !== source) {
          report.skipped.push({
            kind: "model_version",
            id: `${m.name}/${v.version}`,
            reason: `Flowgate's version ${v.version} of '${m.name}' has other files (${had}); MLflow's (${v.source}) is not imported`,
          });
          continue;
        }
        report.alreadyPresent.model_versions = (report.alreadyPresent.model_versions ?? 0) + 1;
      } else {
        await trx
          .insertInto("model_versions")
          .values({
            registered_model_id: modelId,
            version: v.version,
            creation_timestamp: v.creationTimestamp,
            last_updated_timestamp: v.lastUpdatedTimestamp,
            description: v.description,
            user_id: v.userId,
            current_stage: v.currentStage,
            source,
            storage_location: mapUri(v.storageLocation ?? v.source),
            run_id: v.runId,
            run_link: v.runLink,
            status: v.status,
            status_message: v.statusMessage,
            model_id: loggedModelIdOfSource(v.source),
          })
          .execute();
        report.imported.model_versions += 1;
      }
      usable.add(v.version);
      const haveVersionTags = new Set(
        (
          await trx
            .selectFrom("model_version_tags")
            .select("key")
            .where("registered_model_id", "=", modelId)
            .where("version", "=", v.version)
            .execute()
        ).map((t) => t.key),
      );
      const versionTags = v.tags.filter((t) => !haveVersionTags.has(t.key));
      if (versionTags.length > 0) {
        await trx
          .insertInto("model_version_tags")
          .values(
            versionTags.map((t) => ({
              registered_model_id: modelId,
              version: v.version,
              key: t.key,
              value: t.value,
            })),
          )
          .execute();
      }
      report.imported.model_version_tags += versionTags.length;
    }

    const haveAliases = new Map(
      (
        await trx
          .selectFrom("registered_model_aliases")
          .select(["alias", "version"])
          .where("registered_model_id", "=", modelId)
          .execute()
      ).map((a) => [a.alias, Number(a.version)]),
    );
    for (const a of m.aliases) {
      const had = haveAliases.get(a.alias);
      if (had !== undefined) {
        if (had !== a.version) {
          report.skipped.push({
            kind: "alias",
            id: `${m.name}@${a.alias}`,
            reason: `Flowgate points it at version ${had}, MLflow at ${a.version}; Flowgate's is kept`,
          });
        } else report.alreadyPresent.aliases = (report.alreadyPresent.aliases ?? 0) + 1;
        continue;
      }
      if (!usable.has(a.version)) {
        report.skipped.push({
          kind: "alias",
          id: `${m.name}@${a.alias}`,
          reason: `its version ${a.version} was not imported`,
        });
        continue;
      }
      await trx
        .insertInto("registered_model_aliases")
        .values({ registered_model_id: modelId, alias: a.alias, version: a.version })
        .execute();
      report.imported.aliases += 1;
    }
  });
}
