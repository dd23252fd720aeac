// A model whose pyfunc flavor is plain mlflow.sklearn — skops, pickle or cloudpickle, any predict_fn, a column
// signature or none — is loaded by the Python worker without importing MLflow (python/flowgate_worker/
// sklearn_model.py, ~0.9 s off each worker start), and answers every request as MLflow's own scoring server does:
// the oracle is fixtures/pyfunc_oracle.py, MLflow's parser, mlflow.pyfunc.load_model's model and MLflow's encoder.
// A model MLflow's pyfunc does more for (a tensor signature, a params schema, code paths) is loaded by MLflow.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { createLogger } from "../../src/core/logger.js";
import { WorkerProcess } from "../../src/serving/python/worker-process.js";
import {
  modelDir,
  post,
  PYTHON,
  REPO,
  serveForTest,
  sklearnVariant,
  type FixtureModel,
  type SklearnVariant,
} from "./support/serving-fixtures.js";

const ORACLE = path.resolve(path.dirname(new URL(import.meta.url).pathname), "fixtures/pyfunc_oracle.py");
const CACHE = mkdtempSync(path.join(tmpdir(), "flowgate-sklearn-loader-"));

const IRIS = ["sepal_length", "sepal_width", "petal_length", "petal_width"];
const IRIS_ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.2, 2.9, 4.3, 1.3],
  [7.7, 3.0, 6.1, 2.3],
];
const IRIS_BODIES: Record<string, unknown>[] = [
  { dataframe_split: { columns: IRIS, data: IRIS_ROWS } },
  // integers for double columns, as JSON writers often send them
  { dataframe_records: [{ sepal_length: 5, sepal_width: 3, petal_length: 1, petal_width: 0 }] },
  // columns out of the signature's order, and one it does not know
  {
    dataframe_split: {
      columns: ["petal_width", "note", ...IRIS.slice(0, 3)],
      data: [[0.2, "x", 5.1, 3.5, 1.4]],
    },
  },
  { instances: [{ sepal_length: 6.2, sepal_width: 2.9, petal_length: 4.3, petal_width: 1.3 }] },
  // a missing value: scikit-learn refuses it, in both
  { dataframe_split: { columns: IRIS, data: [[5.1, null, 1.4, 0.2]] } },
];

interface Case {
  model: () => Promise<string>;
  loadedBy: "flowgate_worker.sklearn_model" | "mlflow.pyfunc";
  bodies: Record<string, unknown>[];
}

const variant = (name: SklearnVariant) => () => sklearnVariant(name);
const fixture = (name: FixtureModel) => () => modelDir(name);
const WITHOUT_MLFLOW = "flowgate_worker.sklearn_model" as const;

const CASES: Record<string, Case> = {
  "skops, trusting a tree type (a random forest)": {
    model: fixture("classifier"),
    loadedBy: WITHOUT_MLFLOW,
    bodies: IRIS_BODIES,
  },
  "skops, a linear regression": {
    model: fixture("regressor"),
    loadedBy: WITHOUT_MLFLOW,
    bodies: [
      {
        dataframe_split: {
          columns: ["age", "bmi", "bp", "s1"],
          data: [
            [0.03, 0.06, 0.02, -0.04],
            [-0.01, -0.05, -0.03, 0.01],
          ],
        },
      },
    ],
  },
  "skops, a pipeline over a string and an integer column": {
    model: fixture("strings"),
    loadedBy: WITHOUT_MLFLOW,
    bodies: [
      {
        dataframe_split: {
          columns: ["color", "size"],
          data: [
            ["red", 2],
            ["blue", 8],
            ["green", 1],
          ],
        },
      },
      // a category the encoder never saw: refused, in both
      { dataframe_split: { columns: ["color", "size"], data: [["purple", 2]] } },
    ],
  },
  pickle: { model: variant("pickle"), loadedBy: WITHOUT_MLFLOW, bodies: IRIS_BODIES },
  cloudpickle: {
    model: variant("cloudpickle"),
    loadedBy: WITHOUT_MLFLOW,
    bodies: [
      {
        dataframe_split: {
          columns: ["sepal_length", "sepal_width"],
          data: [
            [5.1, 3.5],
            [6, 3],
          ],
        },
      },
    ],
  },
  "predict_fn predict_proba": { model: variant("proba"), loadedBy: WITHOUT_MLFLOW, bodies: IRIS_BODIES },
  "string classes (an object array out)": {
    model: variant("labels"),
    loadedBy: WITHOUT_MLFLOW,
    bodies: IRIS_BODIES,
  },
  "no signature": { model: variant("untyped"), loadedBy: WITHOUT_MLFLOW, bodies: IRIS_BODIES.slice(0, 1) },
  "a tensor signature: by MLflow": {
    model: variant("tensor"),
    loadedBy: "mlflow.pyfunc",
    bodies: [{ inputs: IRIS_ROWS }, { instances: IRIS_ROWS }],
  },
  "a params schema: by MLflow": {
    model: variant("params"),
    loadedBy: "mlflow.pyfunc",
    bodies: [{ dataframe_split: { columns: IRIS, data: IRIS_ROWS }, params: { threshold: 0.9 } }],
  },
  "code paths: by MLflow": {
    model: variant("code"),
    loadedBy: "mlflow.pyfunc",
    bodies: IRIS_BODIES.slice(0, 1),
  },
};

/** MLflow's answers, one per body. */
async function oracle(
  model: string,
  bodies: Record<string, unknown>[],
): Promise<{ ok: boolean; predictions?: unknown }[]> {
  const child = promisify(execFile)(PYTHON, [ORACLE, model], { maxBuffer: 16 * 1024 * 1024 });
  child.child.stdin?.end(bodies.map((b) => JSON.stringify(b)).join("\n") + "\n");
  const { stdout } = await child;
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { ok: boolean; predictions?: unknown });
}

for (const [name, c] of Object.entries(CASES)) {
  test(`${name}: loaded by ${c.loadedBy}, answering as MLflow's scoring server`, async () => {
    const model = await c.model();
    const [expected, serving] = await Promise.all([
      oracle(model, c.bodies),
      serveForTest(model, { runtime: "python", cacheDir: CACHE }),
    ]);
    try {
      const meta = (await (await fetch(`${serving.url}/metadata`)).json()) as {
        models: { workers: { loaded_by: string }[] }[];
      };
      assert.equal(meta.models[0]?.workers[0]?.loaded_by, c.loadedBy);
      for (const [i, body] of c.bodies.entries()) {
        const answer = await post(`${serving.url}/invocations`, body);
        const mlflow = expected[i];
        if (mlflow?.ok) {
          assert.equal(answer.status, 200, `${JSON.stringify(body)}: ${answer.text}`);
          assert.deepEqual(answer.json, { predictions: mlflow.predictions }, JSON.stringify(body));
        } else {
          assert.equal(
            answer.status,
            400,
            `${JSON.stringify(body)}: MLflow refused it, ${JSON.stringify(mlflow)}; ${answer.text}`,
          );
        }
      }
    } finally {
      await serving.stop();
    }
  });
}

test("with MLFLOW_ALLOW_PICKLE_DESERIALIZATION=false the model goes to MLflow, which refuses to load it as MLflow does", async () => {
  const before = process.env.MLFLOW_ALLOW_PICKLE_DESERIALIZATION;
  process.env.MLFLOW_ALLOW_PICKLE_DESERIALIZATION = "false";
  let worker: WorkerProcess;
  try {
    worker = new WorkerProcess({
      python: PYTHON,
      workerPath: path.join(REPO, "python"),
      modelPath: await sklearnVariant("pickle"),
      logger: createLogger({ level: "silent" }),
    });
  } finally {
    if (before === undefined) delete process.env.MLFLOW_ALLOW_PICKLE_DESERIALIZATION;
    else process.env.MLFLOW_ALLOW_PICKLE_DESERIALIZATION = before;
  }
  await assert.rejects(
    worker.loaded,
    /Deserializing this model is disallowed because 'MLFLOW_ALLOW_PICKLE_DESERIALIZATION'/,
  );
  await worker.exited;
});
