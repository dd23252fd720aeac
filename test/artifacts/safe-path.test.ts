import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { checkArtifactPath, resolveInsideRoot } from "../../src/artifacts/safe-path.js";
import { artifactUriPath } from "../../src/artifacts/artifact-uri.js";
import { FlowgateError } from "../../src/core/errors.js";
import { HOSTILE_SOURCES } from "../support/hostile-sources.js";

function refused(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof FlowgateError && err.code === "INVALID_PARAMETER_VALUE");
}

describe("artifact paths", () => {
  it("accepts ordinary relative paths and drops a trailing slash", () => {
    assert.equal(checkArtifactPath("model/MLmodel"), "model/MLmodel");
    assert.equal(checkArtifactPath("plots/"), "plots");
    assert.equal(checkArtifactPath("with space/a-b_c.1.txt"), "with space/a-b_c.1.txt");
  });

  for (const hostile of [
    "../../../../etc/passwd",
    "/etc/passwd",
    "..%2f..%2fetc",
    "%252e%252e%252f",
    "..\\..\\x",
    "C:\\x",
    "C:/x",
    "a/../../b",
    "a%00b",
    "#x",
    "%0a",
    ".",
    "%2e",
    "./.",
    ".//",
    "a?/a",
    "a;b",
    "a//b",
    "~/x",
  ]) {
    it(`refuses '${hostile}'`, () => refused(() => checkArtifactPath(hostile)));
  }

  it("refuses the empty path unless the root is meant", () => {
    refused(() => checkArtifactPath(""));
    assert.equal(checkArtifactPath("", { allowRoot: true }), "");
  });

  it("refuses a symlink that leads out of the root", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "fg-root-"));
    mkdirSync(path.join(root, "exp"));
    symlinkSync("/etc", path.join(root, "exp", "link"));
    await assert.rejects(resolveInsideRoot(root, "exp/link/passwd"), FlowgateError);
    assert.equal(
      await resolveInsideRoot(root, "exp/new/file.txt"),
      path.join(root, "exp", "new", "file.txt"),
    );
  });
});

describe("artifact URIs", () => {
  it("reads the store path of mlflow-artifacts URIs", () => {
    assert.equal(artifactUriPath("mlflow-artifacts:/1/abc/artifacts", "source"), "1/abc/artifacts");
    assert.equal(artifactUriPath("mlflow-artifacts:///1/abc", "source"), "1/abc");
    assert.equal(artifactUriPath("mlflow-artifacts:/", "artifact_location"), "");
  });

  for (const hostile of HOSTILE_SOURCES) {
    it(`refuses '${hostile}'`, () => refused(() => artifactUriPath(hostile, "source")));
  }
});
