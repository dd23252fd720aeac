// A Python worker loading a skops-serialised scikit-learn model keeps skops' trusted type names in its cache
// directory, so the next worker skips the ~1 s scan that makes them: the names cached are the ones skops makes
// itself, a worker started from the cache answers as one that scanned, and a cache that cannot be read costs
// only the scan (real workers, the real classifier fixture saved by mlflow 3).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { createLogger } from "../../src/core/logger.js";
import { WorkerProcess } from "../../src/serving/python/worker-process.js";
import { modelDir, PYTHON, REPO } from "./support/serving-fixtures.js";

const ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.7, 3.0, 5.2, 2.3],
  [5.9, 3.0, 4.2, 1.5],
];

/** The type name lists skops makes by its own import, in this Python. */
async function skopsOwnNames(): Promise<Record<string, string[]>> {
  const script = [
    "import json, skops.io, skops.io._trusted_types as t",
    "print(json.dumps({k: v for k, v in vars(t).items() if k.endswith('_TYPE_NAMES')}))",
  ].join("\n");
  const { stdout } = await promisify(execFile)(PYTHON, ["-c", script], { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as Record<string, string[]>;
}

describe("skops' trusted type names cached between Python worker starts", () => {
  let cacheDir: string;
  let model: string;
  before(async () => {
    cacheDir = mkdtempSync(path.join(tmpdir(), "flowgate-worker-cache-"));
    model = await modelDir("classifier");
    assert.match(readFileSync(path.join(model, "MLmodel"), "utf8"), /serialization_format: skops/);
  });
  after(() => rmSync(cacheDir, { recursive: true, force: true }));

  async function predict(): Promise<string> {
    const worker = new WorkerProcess({
      python: PYTHON,
      workerPath: `${REPO}/python`,
      modelPath: model,
      cacheDir,
      logger: createLogger({ level: "silent" }),
    });
    try {
      await worker.loaded;
      const columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"];
      const answer = await worker.predict([
        {
          frame: {
            columns,
            data: Object.fromEntries(columns.map((c, i) => [c, ROWS.map((r) => r[i])])),
            dtypes: Object.fromEntries(columns.map((c) => [c, "float64"])),
          },
        },
      ]);
      assert.ok(Array.isArray(answer), answer instanceof Error ? answer.message : undefined);
      const [result] = answer;
      assert.ok(result?.ok, JSON.stringify(result));
      return result.predictions;
    } finally {
      await worker.stop(5_000);
    }
  }

  function cached(): { file: string; names: Record<string, string[]> } {
    const files = readdirSync(cacheDir).filter((f) => f.startsWith("skops-trusted-types-"));
    assert.equal(files.length, 1, `one cache file, got ${files.join(", ")}`);
    const file = path.join(cacheDir, files[0] as string);
    return { file, names: JSON.parse(readFileSync(file, "utf8")) as Record<string, string[]> };
  }

  let scanned: string;
  test("the first worker scans and saves the lists skops made, the ones skops makes by its own import", async () => {
    scanned = await predict();
    const { names } = cached();
    assert.deepEqual(names, await skopsOwnNames());
    assert.ok(
      names.SKLEARN_ESTIMATOR_TYPE_NAMES?.includes("sklearn.linear_model._logistic.LogisticRegression"),
    );
    assert.ok((names.SCIPY_UFUNC_TYPE_NAMES?.length ?? 0) > 100);
  });

  test("a worker started from the cache answers as the one that scanned", async () => {
    const before = cached();
    assert.equal(await predict(), scanned);
    assert.deepEqual(cached(), before);
  });

  test("a cache file that cannot be read is replaced by a fresh scan, and the worker still loads", async () => {
    const { file, names } = cached();
    writeFileSync(file, '{"SKLEARN_ESTIMATOR_TYPE_NAMES": ');
    assert.equal(await predict(), scanned);
    assert.deepEqual(cached().names, names);
    writeFileSync(file, JSON.stringify({ SKLEARN_ESTIMATOR_TYPE_NAMES: [1, 2] }));
    assert.equal(await predict(), scanned);
    assert.deepEqual(cached().names, names);
  });
});
