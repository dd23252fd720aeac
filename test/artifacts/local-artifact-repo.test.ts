import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { createLocalArtifactRepository } from "../../src/artifacts/local-artifact-repo.js";
import { FlowgateError } from "../../src/core/errors.js";

function fresh(): { root: string; outside: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "flowgate-repo-"));
  const outside = path.join(dir, "outside");
  mkdirSync(outside);
  return { root: path.join(dir, "root"), outside };
}

const body = (text: string): Readable => Readable.from([Buffer.from(text)]);

describe("the local artifact repository", () => {
  it("creates its root on first use and writes nested files", async () => {
    const { root } = fresh();
    const repo = createLocalArtifactRepository(root);
    await repo.put("a/b/c.txt", body("abc"), { maxBytes: 100 });
    assert.equal(readFileSync(path.join(root, "a/b/c.txt"), "utf8"), "abc");
    assert.equal(await repo.exists("a/b"), true);
    assert.equal(await repo.exists("a/x"), false);
  });

  it("refuses to write a file where a directory is, or under a file", async () => {
    const { root } = fresh();
    const repo = createLocalArtifactRepository(root);
    await repo.put("d/f.txt", body("x"), { maxBytes: 100 });
    for (const p of ["d", "d/f.txt/g.txt"]) {
      await assert.rejects(
        repo.put(p, body("y"), { maxBytes: 100 }),
        (err: unknown) => err instanceof FlowgateError && err.code === "INVALID_PARAMETER_VALUE",
        p,
      );
    }
  });

  it("deletes a symlink inside the root without touching what it points to", async () => {
    const { root } = fresh();
    const repo = createLocalArtifactRepository(root);
    await repo.put("exp-a/keep.txt", body("keep"), { maxBytes: 100 });
    mkdirSync(path.join(root, "exp-b"));
    symlinkSync(path.join(root, "exp-a"), path.join(root, "exp-b", "alias"));
    await repo.delete("exp-b/alias");
    assert.ok(!existsSync(path.join(root, "exp-b", "alias")));
    assert.equal(readFileSync(path.join(root, "exp-a", "keep.txt"), "utf8"), "keep");
  });

  it("treats deleting something missing as done", async () => {
    const { root } = fresh();
    await createLocalArtifactRepository(root).delete("never/was");
  });

  it("hides links that lead out of the root from listings", async () => {
    const { root, outside } = fresh();
    const repo = createLocalArtifactRepository(root);
    await repo.put("run/file.txt", body("f"), { maxBytes: 100 });
    writeFileSync(path.join(outside, "secret"), "s");
    symlinkSync(outside, path.join(root, "run", "escape"));
    assert.deepEqual(await repo.list("run"), [{ path: "file.txt", isDir: false, fileSize: 1 }]);
  });
});
