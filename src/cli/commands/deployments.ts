// `flowgate deployments`: write deployment specs as revisions (create, set — a read-modify-write that is
// refused if someone wrote a revision in between), drive rollouts (promote, pause, resume, abort, rollback),
// and read them (get, list, history, status --watch), through the SDK against a running server.
import type { Command } from "commander";
import { invalidParameter } from "../../core/errors.js";
import type { RolloutPhase } from "../../delivery/deployment.js";
import type { DeploymentView } from "../../delivery/deployment.js";
import { createDeploymentsClient, type DeploymentsClient } from "../../sdk/deployments-client.js";
import { specFromFlags, type SpecFlags } from "./deployment-flags.js";
import { deploymentsTable, deploymentText, historyText } from "./deployment-render.js";
import { serverOptions, type ServerCallOptions } from "./server-client.js";

type Flags = ServerCallOptions & { reason: string };

function clientFor(flags: ServerCallOptions): DeploymentsClient {
  const trackingUri = flags.trackingUri ?? process.env.MLFLOW_TRACKING_URI ?? "http://127.0.0.1:5000";
  if (!/^https?:\/\//.test(trackingUri)) {
    throw invalidParameter(
      `Invalid tracking URI '${trackingUri}': use http(s)://host:port of a Flowgate server.`,
    );
  }
  return createDeploymentsClient({
    trackingUri,
    token: process.env.MLFLOW_TRACKING_TOKEN,
    username: process.env.MLFLOW_TRACKING_USERNAME,
    password: process.env.MLFLOW_TRACKING_PASSWORD,
  });
}

function print(flags: ServerCallOptions, data: unknown, text: () => string): void {
  process.stdout.write(flags.json === true ? `${JSON.stringify(data, null, 2)}\n` : `${text()}\n`);
}

function positiveInt(raw: string, what: string): number {
  if (!/^[1-9]\d*$/.test(raw)) throw invalidParameter(`${what} must be a positive integer, not '${raw}'.`);
  return Number(raw);
}

/** The flags that write parts of a spec, shared by create and set. */
function specOptions(cmd: Command): Command {
  return cmd
    .option("-f, --file <spec>", "the whole spec, YAML or JSON (flags below are written over it)")
    .option("--model <name>", "registered model")
    .option(
      "--primary <version>",
      "version taking live traffic: a number, @alias or stage:<Stage> (resolved once)",
    )
    .option(
      "--track-alias <alias>",
      "follow this alias: moving it rolls the new version out through the strategy",
    )
    .option("--canary <version>", "ramp this version up by --steps (a canary strategy)")
    .option(
      "--steps <list>",
      'canary steps: weights, pause (until promoted), pause:5m, analysis:<t>+<t> — e.g. "10,pause:5m,50,pause,100"',
    )
    .option("--max-weight <percent>", "most traffic the canary gets before its final promotion")
    .option("--analysis <templates>", "background analysis for the whole canary, template names joined by +")
    .option("--ab <split>", "an A/B test: <version>:<weight>,…, e.g. 3:50,4:50")
    .option(
      "--sticky <key>",
      "A/B stickiness key: header:<name>, query:<name>, json:<field> or cookie:<name>",
    )
    .option(
      "--blue-green <version>",
      "blue/green: this version is reachable by the preview header until promoted",
    )
    .option("--auto-promote", "blue/green: promote the preview version without waiting for `promote`")
    .option(
      "--shadow <version[:percent]>",
      "mirror requests (default 100%) to a version; callers never see its answers",
    )
    .option("--no-shadow", "stop shadowing")
    .option("--no-strategy", "drop the strategy (primary takes all live traffic)")
    .option(
      "--policy-file <file>",
      "business policy, YAML or JSON: {values, schema?, decision?} or just the values",
    )
    .option("--warm <n>", "former primaries kept loaded for instant rollback (default 2)");
}

const reasonOption = (cmd: Command): Command =>
  cmd.requiredOption("--reason <text>", "why (recorded with the revision and in the audit log)");

/** A rollout is over when nothing moves traffic any more; `status --watch` stops there. */
const ENDED: readonly RolloutPhase[] = ["Healthy", "Degraded", "Aborted"];

async function watchStatus(client: DeploymentsClient, name: string, flags: ServerCallOptions): Promise<void> {
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  const tty = process.stdout.isTTY && flags.json !== true;
  let shown = "";
  const draw = (view: DeploymentView): void => {
    const text = flags.json === true ? JSON.stringify(view) : deploymentText(view);
    if (text === shown) return;
    shown = text;
    // A terminal gets the status redrawn in place; a pipe gets each new status once, in order.
    process.stdout.write(tty ? `\x1b[H\x1b[2J${text}\n` : `${text}\n`);
  };
  let { etag } = await client.routing(name);
  let view = await client.get(name);
  draw(view);
  // Routing changes come at once by long-poll; measurements do not change routing, so re-read on each return.
  while (!ENDED.includes(view.status.phase) && !controller.signal.aborted) {
    try {
      const change = await client.routingChange(name, etag, { waitSeconds: 5, signal: controller.signal });
      if (change !== undefined) etag = change.etag;
    } catch (err) {
      if (controller.signal.aborted) break;
      throw err;
    }
    view = await client.get(name);
    draw(view);
  }
  if (controller.signal.aborted) process.exit(130);
  if (view.status.phase !== "Healthy") process.exitCode = 1;
}

export function registerDeploymentsCommand(program: Command): void {
  const deployments = program
    .command("deployments")
    .description("Deployments: pinned versions, shadow, canary, A/B and blue/green rollouts, rollback");

  serverOptions(
    reasonOption(
      specOptions(deployments.command("create [name]").description("Create a deployment (revision 1)")),
    ),
  ).action(async (name: string | undefined, flags: Flags & SpecFlags) => {
    const view = await clientFor(flags).create(specFromFlags(name, flags), flags.reason);
    print(flags, view, () => deploymentText(view));
  });

  serverOptions(
    deployments.command("get <name>").description("Show a deployment: routes, strategy, rollout"),
  ).action(async (name: string, flags: ServerCallOptions) => {
    const view = await clientFor(flags).get(name);
    print(flags, view, () => deploymentText(view));
  });

  serverOptions(
    deployments.command("list").description("List deployments").option("--model <name>", "only this model's"),
  ).action(async (flags: ServerCallOptions & { model?: string }) => {
    const views = await clientFor(flags).listAll(flags.model === undefined ? {} : { model: flags.model });
    print(flags, views, () => deploymentsTable(views));
  });

  serverOptions(
    deployments
      .command("history <name>")
      .description("Revisions, newest first, with author, reason and diff")
      .option("--revision <n>", "only this revision"),
  ).action(async (name: string, flags: ServerCallOptions & { revision?: string }) => {
    const client = clientFor(flags);
    const revisions =
      flags.revision === undefined
        ? await client.history(name)
        : [await client.revision(name, positiveInt(flags.revision, "--revision"))];
    print(flags, revisions, () => historyText(revisions));
  });

  serverOptions(
    reasonOption(
      specOptions(
        deployments
          .command("set <name>")
          .description(
            "Write a new revision: the current spec (or -f's) with the flags given; refused if another revision was written since it was read",
          )
          .option(
            "--expected-revision <n>",
            "refuse unless the deployment is still at this revision (read earlier)",
          ),
      ),
    ),
  ).action(async (name: string, flags: Flags & SpecFlags & { expectedRevision?: string }) => {
    const expected = flags.expectedRevision;
    const view = await clientFor(flags).modify(
      name,
      (spec) => specFromFlags(name, flags, spec),
      flags.reason,
      expected === undefined ? {} : { expectedRevision: positiveInt(expected, "--expected-revision") },
    );
    print(flags, view, () => deploymentText(view));
  });

  serverOptions(
    reasonOption(
      deployments
        .command("promote <name>")
        .description(
          "Move the rollout past its current step (a pause or analysis), or --full to 100% at once",
        )
        .option("--full", "skip every remaining step and analysis"),
    ),
  ).action(async (name: string, flags: Flags & { full?: boolean }) => {
    const view = await clientFor(flags).promote(name, flags.reason, { full: flags.full === true });
    print(flags, view, () => deploymentText(view));
  });

  const actions = {
    pause: "Hold the rollout at its current weight",
    resume: "Continue a paused rollout",
    abort: "Stop the rollout now: the canary (or preview) gets no traffic, primary 100%",
  } as const;
  for (const [verb, description] of Object.entries(actions) as [keyof typeof actions, string][]) {
    serverOptions(reasonOption(deployments.command(`${verb} <name>`).description(description))).action(
      async (name: string, flags: Flags) => {
        const view = await clientFor(flags)[verb](name, flags.reason);
        print(flags, view, () => deploymentText(view));
      },
    );
  }

  serverOptions(
    reasonOption(
      deployments
        .command("rollback <name>")
        .description(
          "A new revision whose primary is the previous primary (or --to-revision's), at 100% at once, no analysis",
        )
        .option("--to-revision <n>", "take the primary of this revision"),
    ),
  ).action(async (name: string, flags: Flags & { toRevision?: string }) => {
    const view = await clientFor(flags).rollback(
      name,
      flags.reason,
      flags.toRevision === undefined ? {} : { toRevision: positiveInt(flags.toRevision, "--to-revision") },
    );
    print(flags, view, () => deploymentText(view));
  });

  serverOptions(
    deployments
      .command("status <name>")
      .description(
        "The rollout's phase, step, weights and measurements; --watch redraws on each change until the rollout ends (exit 0 Healthy, 1 Degraded or Aborted) or Ctrl-C",
      )
      .option("--watch", "follow the rollout (with --json: one JSON line per change)"),
  ).action(async (name: string, flags: ServerCallOptions & { watch?: boolean }) => {
    const client = clientFor(flags);
    if (flags.watch === true) return watchStatus(client, name, flags);
    const view = await client.get(name);
    print(flags, view, () => deploymentText(view));
  });

  serverOptions(reasonOption(deployments.command("delete <name>").description("Delete a deployment"))).action(
    async (name: string, flags: Flags) => {
      await clientFor(flags).delete(name, flags.reason);
      print(flags, { name, deleted: true }, () => `deployment '${name}' deleted`);
    },
  );
}
