// Server configuration: flags win over FLOWGATE_* variables, which win over defaults; a bad value is refused
// with the setting named, before anything starts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DEFAULTS, loadServerConfig } from "../../src/core/config.js";
import { FlowgateError } from "../../src/core/errors.js";

describe("server configuration", () => {
  it("defaults to mlflow server's: SQLite in the working directory, artifacts beside it, 127.0.0.1:5000", () => {
    const c = loadServerConfig({}, {});
    assert.equal(c.backendStoreUri, "sqlite:///./flowgate.db");
    assert.equal(c.artifactsDestination, path.resolve("flowgate-artifacts"));
    assert.equal(c.defaultArtifactRoot, "mlflow-artifacts:/");
    assert.equal(c.host, "127.0.0.1");
    assert.equal(c.port, 5000);
    assert.equal(c.auth, false);
    assert.equal(c.maxArtifactBytes, DEFAULTS.maxArtifactBytes);
    assert.equal(c.python, "python3");
    assert.equal(c.cacheDir, path.join(os.homedir(), ".cache", "flowgate"));
  });

  it("takes flags over environment variables over defaults", () => {
    const env = {
      FLOWGATE_PORT: "6000",
      FLOWGATE_PYTHON: "/env/python",
      FLOWGATE_MAX_ARTIFACT_BYTES: "2048",
    };
    assert.equal(loadServerConfig({}, env).port, 6000);
    assert.equal(loadServerConfig({ port: 7000 }, env).port, 7000);
    assert.equal(loadServerConfig({}, env).python, "/env/python");
    assert.equal(loadServerConfig({ python: "/flag/python" }, env).python, "/flag/python");
    assert.equal(loadServerConfig({}, env).maxArtifactBytes, 2048);
    assert.equal(loadServerConfig({ maxArtifactBytes: "4096" }, env).maxArtifactBytes, 4096);
  });

  it("keeps the webhook secret key next to an SQLite database, else in the user's config directory", () => {
    assert.equal(
      loadServerConfig({ backendStoreUri: "sqlite:////data/fg/flowgate.db" }, {}).secretKeyFile,
      "/data/fg/flowgate-secret.key",
    );
    assert.equal(
      loadServerConfig({ backendStoreUri: "postgresql://u:p@db:5432/fg" }, {}).secretKeyFile,
      path.join(os.homedir(), ".config", "flowgate", "secret.key"),
    );
    assert.equal(
      loadServerConfig({}, { FLOWGATE_SECRET_KEY_FILE: "/run/secrets/fg.key" }).secretKeyFile,
      "/run/secrets/fg.key",
    );
  });

  it("takes the PostgreSQL statement timeout from --statement-timeout or FLOWGATE_STATEMENT_TIMEOUT (30 s by default)", () => {
    assert.equal(loadServerConfig({}, {}).statementTimeoutSeconds, DEFAULTS.statementTimeoutSeconds);
    assert.equal(loadServerConfig({}, { FLOWGATE_STATEMENT_TIMEOUT: "5" }).statementTimeoutSeconds, 5);
    assert.equal(
      loadServerConfig({ statementTimeout: "0" }, { FLOWGATE_STATEMENT_TIMEOUT: "5" })
        .statementTimeoutSeconds,
      0,
    );
    for (const bad of ["-1", "1.5", "soon"]) {
      assert.throws(
        () => loadServerConfig({ statementTimeout: bad }, {}),
        (err: unknown) => err instanceof FlowgateError && /--statement-timeout/.test(err.message),
      );
    }
  });

  it("runs the rollout controller unless --controller or FLOWGATE_CONTROLLER says off", () => {
    assert.equal(loadServerConfig({}, {}).controller, true);
    assert.equal(loadServerConfig({}, { FLOWGATE_CONTROLLER: "off" }).controller, false);
    assert.equal(loadServerConfig({ controller: "on" }, { FLOWGATE_CONTROLLER: "off" }).controller, true);
    assert.throws(
      () => loadServerConfig({ controller: "maybe" }, {}),
      (err: unknown) =>
        err instanceof FlowgateError && /--controller 'maybe': use on or off/.test(err.message),
    );
  });

  it("refuses a port or byte limit that is not a whole number in range, naming it", () => {
    assert.throws(() => loadServerConfig({ port: 70000 }, {}), /Invalid port 70000/);
    for (const bad of ["0", "-5", "1.5", "10GB"]) {
      assert.throws(() => loadServerConfig({ maxArtifactBytes: bad }, {}), /Invalid --max-artifact-bytes/);
    }
  });

  it("refuses an artifacts destination it cannot store to, instead of a local folder named after the scheme", () => {
    for (const destination of [
      "s3://Not_A_Bucket/prefix",
      "gs://bucket",
      "wasbs://c@acct.blob.core.windows.net/p",
      "hdfs:/x",
    ]) {
      assert.throws(
        () => loadServerConfig({ artifactsDestination: destination }, {}),
        (err: unknown) =>
          err instanceof FlowgateError &&
          err.code === "INVALID_PARAMETER_VALUE" &&
          err.message.includes("--artifacts-destination") &&
          err.message.includes(destination) &&
          !err.message.includes("\n"),
        destination,
      );
    }
    assert.throws(
      () => loadServerConfig({}, { FLOWGATE_ARTIFACTS_DESTINATION: "gs://bucket/prefix" }),
      FlowgateError,
    );
  });

  it("takes a file: URI as the artifacts destination's directory", () => {
    assert.equal(
      loadServerConfig({ artifactsDestination: "file:///srv/artifacts" }, {}).artifactsDestination,
      "/srv/artifacts",
    );
  });

  it("refuses a default artifact root with a scheme it cannot serve, but keeps mlflow-artifacts:, file:, s3: and paths", () => {
    for (const root of [
      "s3://No_Such_Bucket/prefix",
      "gs://bucket/x",
      "https://elsewhere.example/artifacts",
      "dbfs:/x",
    ]) {
      assert.throws(
        () => loadServerConfig({ defaultArtifactRoot: root, serveArtifacts: false }, {}),
        (err: unknown) => err instanceof FlowgateError && err.message.includes("--default-artifact-root"),
        root,
      );
    }
    // A plain path becomes the file:// URI MLflow makes of it, and a file: root is where artifacts are.
    for (const [root, expected] of [
      ["mlflow-artifacts:/", "mlflow-artifacts:/"],
      ["file:///srv/mlruns", "file:///srv/mlruns"],
      ["/srv/mlruns", "file:///srv/mlruns"],
      ["./mlruns", pathToFileURL(path.resolve("mlruns")).href],
    ] as const) {
      const config = loadServerConfig({ defaultArtifactRoot: root, serveArtifacts: false }, {});
      if (expected !== "mlflow-artifacts:/")
        assert.equal(config.artifactsDestination, fileURLToPath(expected));
      assert.equal(config.defaultArtifactRoot, expected);
    }
    // An s3: root is handed out as given, and the bucket and prefix are the store the server reads.
    const s3 = loadServerConfig({ defaultArtifactRoot: "s3://bucket/prefix/", serveArtifacts: false }, {});
    assert.equal(s3.defaultArtifactRoot, "s3://bucket/prefix/");
    assert.equal(s3.artifactsDestination, "s3://bucket/prefix");
  });
});
