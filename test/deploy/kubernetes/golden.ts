// Golden files for generated manifests: each case's files are compared byte for byte with
// test/deploy/golden/<target>/<case>/. To accept a change on purpose, run the test with
// FLOWGATE_UPDATE_GOLDEN=1 and review the diff of the golden directory in the commit.
import assert from "node:assert/strict";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const GOLDEN_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../golden");

export async function assertGolden(
  target: string,
  name: string,
  files: Record<string, string>,
): Promise<void> {
  const dir = path.join(GOLDEN_ROOT, target, name);
  if (process.env.FLOWGATE_UPDATE_GOLDEN === "1") {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, file), text);
    return;
  }
  const expected = (await readdir(dir).catch(() => [] as string[])).sort();
  assert.deepEqual(Object.keys(files).sort(), expected, `files of golden ${target}/${name}`);
  for (const file of expected) {
    assert.equal(
      files[file],
      await readFile(path.join(dir, file), "utf8"),
      `golden ${target}/${name}/${file}`,
    );
  }
}
