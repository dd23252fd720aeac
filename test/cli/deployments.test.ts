import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import type { DeploymentSpec } from "../../src/delivery/deployment.js";
import type { DeploymentView } from "../../src/delivery/deployment.js";
import { BACKENDS } from "../support/backends.js";
import { runFlowgate } from "../support/cli.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { API, modelWithVersions } from "../registry/registry-fixtures.js";

// The CLI is a client of the HTTP API; one back end is enough to show it.
const sqlite = BACKENDS.find((b) => b.name === "sqlite")!;
const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.ts");
const MODEL = "fraud-detector";

function flowgate(server: TestServer, ...args: string[]) {
  return runFlowgate(server, args);
}

/** `flowgate … --json` that must succeed, parsed. */
async function json<T>(server: TestServer, ...args: string[]): Promise<T> {
  const res = await flowgate(server, ...args, "--json");
  assert.equal(res.code, 0, res.stderr);
  return JSON.parse(res.stdout) as T;
}

/** stderr of a failed command: exactly one line, no stack trace. */
function oneLine(stderr: string): string {
  const lines = stderr.split("\n").filter((l) => l.trim() !== "");
  assert.equal(lines.length, 1, `one line on stderr, got:\n${stderr}`);
  return lines[0] as string;
}

/** `flowgate deployments status <name> --watch --json` running in the background: its lines and exit code. */
function watch(server: TestServer, name: string) {
  const script = `const { main } = await import(${JSON.stringify(MAIN)}); await main([process.argv[0], "flowgate", ...process.argv.slice(1)]);`;
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      script,
      "deployments",
      "status",
      name,
      "--watch",
      "--json",
    ],
    { env: { ...process.env, MLFLOW_TRACKING_URI: server.url } },
  );
  const views: DeploymentView[] = [];
  let buffered = "";
  let stderr = "";
  let firstView: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (firstView = resolve));
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines.filter((l) => l.trim() !== "")) views.push(JSON.parse(line) as DeploymentView);
    if (views.length > 0) firstView();
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  // A watch that never ends would hang the suite: give up (and fail on the exit code) after a minute.
  const timer = setTimeout(() => child.kill(), 60_000);
  const exited = new Promise<number>((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve(code ?? -1);
    }),
  );
  return { views, started, exited, stderr: () => stderr };
}

describe("flowgate deployments (CLI)", () => {
  let server: TestServer;
  let scratch: string;
  before(async () => {
    server = await startTestServer(sqlite);
    await modelWithVersions(server, MODEL, 3);
    const alias = await call(server, "POST", `${API}/registered-models/alias`, {
      name: MODEL,
      alias: "champion",
      version: "1",
    });
    assert.equal(alias.status, 200);
    scratch = mkdtempSync(path.join(tmpdir(), "flowgate-cli-deployments-"));
  });
  after(async () => server.close());

  it("create pins the primary from flags and shows the split; get and list show the same deployment", async () => {
    const created = await flowgate(
      server,
      "deployments",
      "create",
      "fraud",
      "--model",
      MODEL,
      "--primary",
      "@champion",
      "--reason",
      "first deployment",
    );
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /fraud \(model fraud-detector, revision 1\)/);
    assert.match(created.stdout, /v1 primary 100%/);

    const view = await json<DeploymentView>(server, "deployments", "get", "fraud");
    assert.equal(view.spec.primary, "1", "the alias is resolved once, when the revision is written");
    assert.equal(view.revision, 1);

    const table = await flowgate(server, "deployments", "list");
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /fraud.*fraud-detector/);
    assert.deepEqual(await json(server, "deployments", "list", "--model", "another-model"), []);
  });

  it("set writes the flags over the current spec as a new revision; history shows who, why and the diff", async () => {
    const set = await json<DeploymentView>(
      server,
      "deployments",
      "set",
      "fraud",
      "--shadow",
      "2:20",
      "--warm",
      "1",
      "--reason",
      "shadow version 2",
    );
    assert.equal(set.revision, 2);
    assert.deepEqual(set.spec.shadow, { version: "2", percent: 20 });
    assert.equal(set.spec.primary, "1", "what the flags do not name stays as it was");

    const history = await flowgate(server, "deployments", "history", "fraud");
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, /^revision 2 {2}\S+ {2}\S+ {2}"shadow version 2"$/m);
    assert.match(history.stdout, /^ {2}\/shadow\S*: .*→/m);
    assert.match(history.stdout, /^revision 1 .*"first deployment"$/m);
    const [one] = await json<{ revision: number; reason: string }[]>(
      server,
      "deployments",
      "history",
      "fraud",
      "--revision",
      "1",
    );
    assert.deepEqual([one?.revision, one?.reason], [1, "first deployment"]);
  });

  it("set is refused in one line when another revision was written since the one it read", async () => {
    const stale = await flowgate(
      server,
      "deployments",
      "set",
      "fraud",
      "--warm",
      "3",
      "--expected-revision",
      "1",
      "--reason",
      "from an old read",
    );
    assert.equal(stale.code, 2);
    assert.match(oneLine(stale.stderr), /^flowgate: INVALID_STATE: /);
    assert.equal((await json<DeploymentView>(server, "deployments", "get", "fraud")).revision, 2);
  });

  it("rollback gives the previous primary 100% at once, as a new revision, or the primary of --to-revision", async () => {
    await json(server, "deployments", "set", "fraud", "--primary", "3", "--no-shadow", "--reason", "ship v3");
    const back = await json<DeploymentView>(
      server,
      "deployments",
      "rollback",
      "fraud",
      "--reason",
      "v3 is wrong",
    );
    assert.equal(back.spec.primary, "1");
    assert.deepEqual(
      back.routing.routes.map((r) => [r.version, r.weight]),
      [["1", 100]],
    );
    assert.equal(back.revision, 4);
    const to = await json<DeploymentView>(
      server,
      "deployments",
      "rollback",
      "fraud",
      "--to-revision",
      "3",
      "--reason",
      "v3 was fine after all",
    );
    assert.equal(to.spec.primary, "3");
  });

  it("create from a YAML spec file starts a canary, and status --watch follows it until an abort ends it", async () => {
    const spec: DeploymentSpec = {
      name: "fraud-canary",
      model: MODEL,
      primary: "1",
      strategy: { canary: { version: "2", steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 100 }] } },
    };
    const file = path.join(scratch, "canary.yaml");
    writeFileSync(file, stringify(spec));
    const created = await flowgate(server, "deployments", "create", "-f", file, "--reason", "canary v2");
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /canary v2: 10% → pause → 100%/);

    const watching = watch(server, "fraud-canary");
    await watching.started;
    assert.ok(["Progressing", "Paused"].includes(watching.views[0]?.status.phase ?? ""), watching.stderr());
    const aborted = await flowgate(
      server,
      "deployments",
      "abort",
      "fraud-canary",
      "--reason",
      "errors in v2",
    );
    assert.equal(aborted.code, 0, aborted.stderr);
    assert.equal(await watching.exited, 1, `a rollout that ends Aborted exits 1: ${watching.stderr()}`);
    const last = watching.views.at(-1);
    assert.equal(last?.status.phase, "Aborted");
    assert.deepEqual(
      last?.routing.routes.filter((r) => r.weight > 0).map((r) => [r.version, r.weight]),
      [["1", 100]],
    );
  });

  it("pause holds a rollout and resume continues it; promote --full finishes it and status --watch exits 0", async () => {
    const created = await flowgate(
      server,
      "deployments",
      "create",
      "fraud-ramp",
      "--model",
      MODEL,
      "--primary",
      "1",
      "--canary",
      "3",
      "--steps",
      "10,pause,50,100",
      "--reason",
      "ramp v3",
    );
    assert.equal(created.code, 0, created.stderr);
    const paused = await json<DeploymentView>(
      server,
      "deployments",
      "pause",
      "fraud-ramp",
      "--reason",
      "look first",
    );
    assert.equal(paused.status.phase, "Paused");
    assert.match(
      (await flowgate(server, "deployments", "status", "fraud-ramp")).stdout,
      /Paused.*paused: look first/,
    );
    const resumed = await json<DeploymentView>(
      server,
      "deployments",
      "resume",
      "fraud-ramp",
      "--reason",
      "looks fine",
    );
    assert.equal(resumed.status.phase, "Progressing");
    const promoted = await flowgate(
      server,
      "deployments",
      "promote",
      "fraud-ramp",
      "--full",
      "--reason",
      "ship it",
    );
    assert.equal(promoted.code, 0, promoted.stderr);

    const watching = watch(server, "fraud-ramp");
    assert.equal(await watching.exited, 0, `a rollout that ends Healthy exits 0: ${watching.stderr()}`);
    const last = watching.views.at(-1);
    assert.equal(last?.status.phase, "Healthy");
    assert.deepEqual(
      last?.routing.routes.filter((r) => r.weight > 0).map((r) => [r.version, r.weight]),
      [["3", 100]],
    );
  });

  it("every change needs --reason", async () => {
    for (const verb of ["pause", "resume", "promote", "abort", "rollback", "delete"]) {
      const res = await flowgate(server, "deployments", verb, "fraud");
      assert.notEqual(res.code, 0, verb);
      assert.match(oneLine(res.stderr), /required option '--reason <text>' not specified/, verb);
    }
  });

  it("delete removes a deployment; asking for it afterwards is one line naming the code", async () => {
    const deleted = await flowgate(server, "deployments", "delete", "fraud", "--reason", "retired");
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /deployment 'fraud' deleted/);
    const gone = await flowgate(server, "deployments", "get", "fraud");
    assert.equal(gone.code, 2);
    assert.match(oneLine(gone.stderr), /^flowgate: RESOURCE_DOES_NOT_EXIST: /);
  });

  it("a spec the server refuses, and a flag mistake, are each one line", async () => {
    const refused = await flowgate(
      server,
      "deployments",
      "create",
      "bad",
      "--model",
      MODEL,
      "--primary",
      "99",
      "--reason",
      "no such version",
    );
    assert.equal(refused.code, 2);
    assert.match(oneLine(refused.stderr), /^flowgate: RESOURCE_DOES_NOT_EXIST: .*no version 99/);
    const steps = await flowgate(
      server,
      "deployments",
      "create",
      "bad",
      "--model",
      MODEL,
      "--primary",
      "1",
      "--canary",
      "2",
      "--steps",
      "10,wait,100",
      "--reason",
      "typo",
    );
    assert.equal(steps.code, 2);
    assert.match(oneLine(steps.stderr), /^flowgate: INVALID_PARAMETER_VALUE: Invalid step 'wait'/);
  });
});
