// The ONNX path: scikit-learn models converted with skl2onnx give the same predictions in-process as the original
// model in Python (labels exactly, regression within the stated tolerance), and the Open Inference Protocol v2
// routes run over the same runtime.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { modelDir, post, serveForTest, type FixtureModel } from "./support/serving-fixtures.js";

/** Deterministic pseudo-random rows (a tiny LCG) so both runtimes see exactly the same inputs. */
function rows(n: number, make: (next: () => number) => unknown[]): unknown[][] {
  let seed = 12345;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: n }, () => make(next));
}

const CASES: { model: FixtureModel; columns: string[]; data: unknown[][]; exact: boolean }[] = [
  {
    model: "classifier",
    columns: ["sepal_length", "sepal_width", "petal_length", "petal_width"],
    data: rows(60, (r) => [4 + 4 * r(), 2 + 2.5 * r(), 1 + 6 * r(), 0.1 + 2.4 * r()]),
    exact: true,
  },
  {
    model: "regressor",
    columns: ["age", "bmi", "bp", "s1"],
    data: rows(60, (r) => [r() - 0.5, r() - 0.5, r() - 0.5, r() - 0.5].map((v) => v * 0.2)),
    exact: false,
  },
  {
    model: "strings",
    columns: ["color", "size"],
    data: rows(60, (r) => [["red", "green", "blue"][Math.floor(r() * 3)], 1 + Math.floor(r() * 9)]),
    exact: true,
  },
];

describe("ONNX conversion equality", () => {
  for (const c of CASES) {
    test(`the converted ${c.model} predicts what the original scikit-learn model predicts`, async () => {
      const onnx = await serveForTest(await modelDir(c.model), { runtime: "onnx" });
      const python = await serveForTest(await modelDir(c.model), { runtime: "python" });
      try {
        const body = { dataframe_split: { columns: c.columns, data: c.data } };
        const [a, b] = await Promise.all([
          post(`${onnx.url}/invocations`, body),
          post(`${python.url}/invocations`, body),
        ]);
        assert.equal(a.status, 200, a.text);
        assert.equal(b.status, 200, b.text);
        const got = a.json.predictions as number[];
        const want = b.json.predictions as number[];
        assert.equal(got.length, want.length);
        if (c.exact) assert.deepEqual(got, want);
        else
          got.forEach((v, i) =>
            assert.ok(
              Math.abs(v - (want[i] as number)) <= 1e-4 + 1e-3 * Math.abs(want[i] as number),
              `row ${i}: ${v} vs ${want[i]}`,
            ),
          );
        const meta: any = await (await fetch(`${onnx.url}/metadata`)).json(); // eslint-disable-line @typescript-eslint/no-explicit-any
        assert.equal(meta.models[0].runtime, "onnx");
        assert.deepEqual(meta.models[0].conversion.tolerance, { atol: 1e-4, rtol: 1e-3, labels: "exact" });
      } finally {
        await Promise.all([onnx.stop(), python.stop()]);
      }
    });
  }

  test("--runtime onnx on a model without an onnx or sklearn flavor is refused with the reason", async () => {
    await assert.rejects(
      serveForTest(await modelDir("custom"), { runtime: "onnx" }),
      /needs a model with an onnx or sklearn flavor/,
    );
  });
});

describe("Open Inference Protocol v2", () => {
  let server: Awaited<ReturnType<typeof serveForTest>>;
  before(async () => {
    server = await serveForTest(await modelDir("classifier"));
  });
  after(async () => {
    await server?.stop();
  });

  test("live and ready answer true once the model is loaded", async () => {
    assert.deepEqual(await (await fetch(`${server.url}/v2/health/live`)).json(), { live: true });
    const ready = await fetch(`${server.url}/v2/health/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { ready: true });
  });

  test("model metadata lists the signature's inputs", async () => {
    const meta: any = await (await fetch(`${server.url}/v2/models/classifier`)).json(); // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(meta.name, "classifier");
    assert.equal(meta.platform, "onnxruntime_onnx");
    assert.deepEqual(meta.inputs[0], { name: "sepal_length", datatype: "FP64", shape: [-1] });
  });

  test("infer with one [N, 4] tensor answers a predictions tensor", async () => {
    const r = await post(`${server.url}/v2/models/classifier/infer`, {
      id: "req-1",
      inputs: [
        { name: "input-0", shape: [2, 4], datatype: "FP64", data: [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3] },
      ],
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, {
      model_name: "classifier",
      model_version: "local",
      id: "req-1",
      outputs: [{ name: "predictions", shape: [2], datatype: "INT64", data: [0, 2] }],
    });
  });

  test("infer with one tensor per column works the same", async () => {
    const cols = { sepal_length: [5.1], sepal_width: [3.5], petal_length: [1.4], petal_width: [0.2] };
    const r = await post(`${server.url}/v2/models/classifier/infer`, {
      inputs: Object.entries(cols).map(([name, data]) => ({ name, shape: [1], datatype: "FP64", data })),
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.outputs[0].data, [0]);
  });

  test("an unknown model is a 404 and a malformed request a 400", async () => {
    const missing = await post(`${server.url}/v2/models/nope/infer`, { inputs: [] });
    assert.equal(missing.status, 404);
    const bad = await post(`${server.url}/v2/models/classifier/infer`, { inputs: "x" });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error, /'inputs'/);
  });
});
