// `flowgate models list|show|versions|transition|alias|lineage|sunset`: the registry from a terminal, as
// tables or `--json`, through the SDK against a running server (--tracking-uri or MLFLOW_TRACKING_URI).
import Table from "cli-table3";
import type { Command } from "commander";
import { invalidParameter } from "../../core/errors.js";
import { createRegistryClient, type RegistryClient } from "../../sdk/registry-client.js";
import type { ModelVersionJson } from "../../sdk/registry-types.js";

interface CommonFlags {
  trackingUri?: string;
  json?: boolean;
}

function clientFor(flags: CommonFlags): RegistryClient {
  const trackingUri = flags.trackingUri ?? process.env.MLFLOW_TRACKING_URI ?? "http://127.0.0.1:5000";
  if (!/^https?:\/\//.test(trackingUri)) {
    throw invalidParameter(
      `Invalid tracking URI '${trackingUri}': use http(s)://host:port of a Flowgate server.`,
    );
  }
  return createRegistryClient({
    trackingUri,
    token: process.env.MLFLOW_TRACKING_TOKEN,
    username: process.env.MLFLOW_TRACKING_USERNAME,
    password: process.env.MLFLOW_TRACKING_PASSWORD,
  });
}

function withCommon(cmd: Command): Command {
  return cmd
    .option(
      "--tracking-uri <uri>",
      "Flowgate server URL (default $MLFLOW_TRACKING_URI or http://127.0.0.1:5000)",
    )
    .option("--json", "print JSON instead of a table");
}

function print(flags: CommonFlags, data: unknown, table: () => string): void {
  process.stdout.write(flags.json === true ? `${JSON.stringify(data, null, 2)}\n` : `${table()}\n`);
}

function versionsTable(versions: readonly ModelVersionJson[]): string {
  const t = new Table({ head: ["name", "version", "stage", "aliases", "run", "created", "source"] });
  for (const v of versions) {
    t.push([
      v.name,
      v.version,
      v.stage,
      v.aliases.join(", "),
      v.run_id ?? "",
      new Date(v.creation_timestamp).toISOString().slice(0, 19),
      v.source,
    ]);
  }
  return t.toString();
}

function versionNumber(raw: string): number {
  if (!/^\d+$/.test(raw))
    throw invalidParameter(`Invalid version '${raw}': a model version is a positive integer.`);
  return Number(raw);
}

/** Adds the registry verbs to the `models` command group, creating the group if no other file has yet. */
export function registerModelsCommand(program: Command): void {
  const models =
    program.commands.find((c) => c.name() === "models") ??
    program.command("models").description("Work with registered models");

  withCommon(models.command("list").description("List registered models"))
    .option("--filter <filter>", "MLflow search filter, e.g. \"name LIKE 'fraud%'\"")
    .action(async (flags: CommonFlags & { filter?: string }) => {
      const { registered_models } = await clientFor(flags).listModels({
        filter: flags.filter,
        maxResults: 1000,
      });
      print(flags, registered_models, () => {
        const t = new Table({ head: ["name", "latest", "aliases", "team", "owner", "updated"] });
        for (const m of registered_models) {
          t.push([
            m.name,
            m.latest_versions.map((v) => `${v.stage}:v${v.version}`).join(" "),
            m.aliases.map((a) => `${a.alias}→v${a.version}`).join(" "),
            m.house.team ?? "",
            m.house.owner ?? "",
            new Date(m.last_updated_timestamp).toISOString().slice(0, 19),
          ]);
        }
        return t.toString();
      });
    });

  withCommon(models.command("show <name>").description("Show a registered model")).action(
    async (name: string, flags: CommonFlags) => {
      const m = await clientFor(flags).getModel(name);
      print(flags, m, () => {
        const t = new Table();
        t.push(
          { name: m.name },
          { description: m.description ?? "" },
          { aliases: m.aliases.map((a) => `${a.alias}→v${a.version}`).join(", ") },
          { latest: m.latest_versions.map((v) => `${v.stage}: v${v.version}`).join(", ") },
          ...Object.entries(m.house).map(([k, v]) => ({ [k]: v === null ? "" : String(v) })),
          {
            tags: Object.entries(m.tags)
              .map(([k, v]) => `${k}=${v}`)
              .join(", "),
          },
        );
        return t.toString();
      });
    },
  );

  withCommon(models.command("versions <name>").description("List a model's versions, newest first")).action(
    async (name: string, flags: CommonFlags) => {
      const versions = await clientFor(flags).listVersions(name);
      print(flags, versions, () => versionsTable(versions));
    },
  );

  withCommon(models.command("transition <name> <version> <stage>").description("Move a version to a stage"))
    .option(
      "--archive-existing",
      "archive the versions currently in the target stage (Staging/Production only)",
    )
    .action(
      async (
        name: string,
        version: string,
        stage: string,
        flags: CommonFlags & { archiveExisting?: boolean },
      ) => {
        const client = clientFor(flags);
        await client.transitionStage(name, versionNumber(version), stage, flags.archiveExisting === true);
        const v = await client.getVersion(name, versionNumber(version));
        print(flags, v, () => `${name} v${v.version} is now in ${v.stage}`);
      },
    );

  const alias = models.command("alias").description("Set or delete an alias");
  withCommon(
    alias.command("set <name> <alias> <version>").description("Point an alias at a version (moves it)"),
  ).action(async (name: string, aliasName: string, version: string, flags: CommonFlags) => {
    await clientFor(flags).setAlias(name, aliasName, versionNumber(version));
    print(
      flags,
      { name, alias: aliasName, version: versionNumber(version) },
      () => `${name}@${aliasName} → v${version}`,
    );
  });
  withCommon(alias.command("delete <name> <alias>").description("Delete an alias")).action(
    async (name: string, aliasName: string, flags: CommonFlags) => {
      await clientFor(flags).deleteAlias(name, aliasName);
      print(flags, { name, alias: aliasName, deleted: true }, () => `${name}@${aliasName} deleted`);
    },
  );

  withCommon(
    models
      .command("lineage")
      .description("Versions whose run has a param or tag, e.g. --param data_version=v1"),
  )
    .option("--param <key=value>", "a run parameter")
    .option("--tag <key=value>", "a run tag")
    .action(async (flags: CommonFlags & { param?: string; tag?: string }) => {
      if ((flags.param === undefined) === (flags.tag === undefined)) {
        throw invalidParameter("Give exactly one of --param <key=value> or --tag <key=value>.");
      }
      const versions = await clientFor(flags).lineage({ param: flags.param, tag: flags.tag });
      print(flags, versions, () => versionsTable(versions));
    });

  withCommon(models.command("sunset").description("Versions past their sunset_on date"))
    .option("--as-of <date>", "YYYY-MM-DD (default today)")
    .action(async (flags: CommonFlags & { asOf?: string }) => {
      const versions = await clientFor(flags).versionsPastSunset(flags.asOf);
      print(flags, versions, () => versionsTable(versions));
    });
}
