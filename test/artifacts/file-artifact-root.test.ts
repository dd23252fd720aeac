import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { artifactUriPath, useArtifactRoot } from "../../src/artifacts/artifact-uri.js";
import { FlowgateError } from "../../src/core/errors.js";

describe("a file:// artifact root", () => {
  before(() => useArtifactRoot("file:///srv/mlruns/"));
  after(() => useArtifactRoot(undefined));

  it("reads file URIs and absolute paths under the root as store paths", () => {
    assert.equal(artifactUriPath("file:///srv/mlruns/1/abc/artifacts", "source"), "1/abc/artifacts");
    assert.equal(artifactUriPath("file:/srv/mlruns/1/abc", "source"), "1/abc");
    assert.equal(artifactUriPath("/srv/mlruns/1", "source"), "1");
    assert.equal(artifactUriPath("file:///srv/mlruns", "source"), "");
    assert.equal(artifactUriPath("mlflow-artifacts:/1/abc", "source"), "1/abc");
  });

  it("refuses anything outside the root, however written", () => {
    for (const uri of [
      "file:///etc/passwd",
      "/etc",
      "file:///srv/mlruns2/1",
      "file:///srv/mlruns/1/../../../etc",
      "file:///srv/mlruns/1/%2e%2e/%2e%2e/etc",
      "file://otherhost/srv/mlruns/1",
      "file:///srv/mlruns/1?x=1",
      "s3://bucket/srv/mlruns/1",
    ]) {
      assert.throws(
        () => artifactUriPath(uri, "source"),
        (err: unknown) => err instanceof FlowgateError && err.code === "INVALID_PARAMETER_VALUE",
        uri,
      );
    }
  });
});

describe("without a file:// artifact root", () => {
  it("refuses every file URI and local path", () => {
    for (const uri of ["file:///srv/mlruns/1", "/srv/mlruns/1"]) {
      assert.throws(() => artifactUriPath(uri, "source"), FlowgateError, uri);
    }
  });
});
