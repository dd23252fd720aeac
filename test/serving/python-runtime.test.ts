// The Python worker pool: any pyfunc model (here a custom PythonModel saved by the real mlflow client) runs in
// worker processes; params follow the params schema; a killed worker is replaced and only its in-flight requests
// fail (503); timeouts are 504; a full queue is a fast 503; shutdown drains in-flight requests.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { modelDir, post, serveForTest } from "./support/serving-fixtures.js";

const ROWS = {
  dataframe_split: {
    columns: ["x", "name"],
    data: [
      [1.5, "a"],
      [2, "b"],
    ],
  },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response JSON
async function metadata(url: string): Promise<any> {
  return (await fetch(`${url}/metadata`)).json();
}

describe("python runtime", () => {
  let custom: Awaited<ReturnType<typeof serveForTest>>;
  before(async () => {
    custom = await serveForTest(await modelDir("custom"), { workers: 2 });
  });
  after(async () => {
    await custom?.stop();
  });

  test("a custom pyfunc model runs in the Python pool and /metadata says why", async () => {
    const meta = await metadata(custom.url);
    assert.equal(meta.models[0].runtime, "python");
    assert.match(meta.models[0].reason, /python_function runs in the Python pool/);
    assert.equal(meta.models[0].workers.length, 2);
  });

  test("a DataFrame output comes back as a list of row objects", async () => {
    const r = await post(`${custom.url}/invocations`, ROWS);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, {
      predictions: [
        { doubled: 3, label: "n-a" },
        { doubled: 4, label: "n-b" },
      ],
    });
  });

  test("params from the request reach the model, with int widened to double", async () => {
    const r = await post(`${custom.url}/invocations`, { ...ROWS, params: { scale: 10 } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.predictions[0].doubled, 30);
  });

  test("a param of the wrong type is a 400 naming it", async () => {
    const r = await post(`${custom.url}/invocations`, { ...ROWS, params: { scale: "big" } });
    assert.equal(r.status, 400);
    assert.equal(r.json.error_code, "INVALID_PARAMETER_VALUE");
    assert.match(r.json.message, /'scale'/);
  });

  test("CSV is parsed with the signature's types", async () => {
    const r = await post(`${custom.url}/invocations`, "x,name\n1,a\n", { "content-type": "text/csv" });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.predictions, [{ doubled: 2, label: "n-a" }]);
  });

  test("a string in the double column is a 400 naming it", async () => {
    const r = await post(`${custom.url}/invocations`, { dataframe_records: [{ x: "one", name: "a" }] });
    assert.equal(r.status, 400);
    assert.match(r.json.message, /column x to type 'float64'/);
  });

  test("concurrent requests are answered correctly, each with its own rows", async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_v, i) =>
        post(`${custom.url}/invocations`, {
          dataframe_split: { columns: ["x", "name"], data: [[i, `r${i}`]] },
        }),
      ),
    );
    answers.forEach((r, i) => {
      assert.equal(r.status, 200);
      assert.deepEqual(r.json.predictions, [{ doubled: 2 * i, label: `n-r${i}` }]);
    });
  });

  test("one bad request never fails its batch-mates", async () => {
    const good = Array.from({ length: 10 }, (_v, i) =>
      post(`${custom.url}/invocations`, { dataframe_split: { columns: ["x", "name"], data: [[i, "g"]] } }),
    );
    const bad = post(`${custom.url}/invocations`, { dataframe_records: [{ x: 1 }] });
    const results = await Promise.all([...good, bad]);
    results.slice(0, 10).forEach((r) => assert.equal(r.status, 200));
    assert.equal(results[10]?.status, 400);
    assert.match(results[10]?.json.message, /Model is missing inputs \['name'\]/);
  });

  test("a body nested deeper than Python can decode is a 400 and no worker dies", async () => {
    const deep = (n: number): string => "[".repeat(n) + "1" + "]".repeat(n);
    const replacedBefore = (await metadata(custom.url)).models[0].workers_replaced;
    const scoring = await post(`${custom.url}/invocations`, `{"inputs": ${deep(5000)}}`);
    assert.equal(scoring.status, 400, scoring.text);
    assert.match(scoring.json.message, /nested deeper than 100 levels/);
    const oip = await post(
      `${custom.url}/v2/models/custom/infer`,
      `{"parameters": {"p": ${deep(5000)}}, "inputs": [{"name": "x", "shape": [1], "datatype": "FP64", "data": [1]}]}`,
    );
    assert.equal(oip.status, 400, oip.text);
    assert.match(oip.json.error, /nested deeper than 100 levels/);
    assert.equal((await metadata(custom.url)).models[0].workers_replaced, replacedBefore);
    assert.equal((await post(`${custom.url}/invocations`, ROWS)).status, 200);
  });

  test("a killed worker under load: its in-flight requests get 503, then requests succeed again", async () => {
    const before = await metadata(custom.url);
    const victim = before.models[0].workers[0].pid as number;
    // Slow requests keep both workers busy so some are in flight on the victim when it dies.
    const slow = Array.from({ length: 6 }, () =>
      post(`${custom.url}/invocations`, { ...ROWS, params: { sleep_s: 1.5 } }),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    process.kill(victim, "SIGKILL");
    const results = await Promise.all(slow);
    const statuses = results.map((r) => r.status);
    assert.ok(
      statuses.every((s) => s === 200 || s === 503),
      `unexpected statuses ${statuses.join(",")}`,
    );
    assert.ok(statuses.includes(503), "some request was in flight on the killed worker");
    for (const r of results.filter((x) => x.status === 503)) {
      assert.equal(r.json.error_code, "TEMPORARILY_UNAVAILABLE");
      assert.match(r.json.message, /worker .* exited/);
    }
    // The replacement loads; meanwhile the other worker keeps answering.
    let after = await metadata(custom.url);
    while (after.models[0].workers.filter((w: { state: string }) => w.state === "ready").length < 2) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      after = await metadata(custom.url);
    }
    assert.equal(after.models[0].workers_replaced, 1);
    assert.ok(!after.models[0].workers.some((w: { pid: number }) => w.pid === victim));
    const again = await Promise.all(Array.from({ length: 8 }, () => post(`${custom.url}/invocations`, ROWS)));
    again.forEach((r) => assert.equal(r.status, 200));
  });
});

describe("python runtime limits", () => {
  test("a request over MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT is a 504", async () => {
    const server = await serveForTest(await modelDir("custom"), { requestTimeoutSeconds: 1 });
    try {
      const r = await post(`${server.url}/invocations`, { ...ROWS, params: { sleep_s: 3 } });
      assert.equal(r.status, 504);
      assert.equal(r.json.error_code, "DEADLINE_EXCEEDED");
      assert.match(r.json.message, /Request processing time exceeded limit/);
    } finally {
      await server.stop();
    }
  });

  test("beyond the bounded queue, requests get a fast 503", async () => {
    const server = await serveForTest(await modelDir("custom"), { maxQueue: 2, maxBatchSize: 1 });
    try {
      const results = await Promise.all(
        Array.from({ length: 8 }, () =>
          post(`${server.url}/invocations`, { ...ROWS, params: { sleep_s: 0.5 } }),
        ),
      );
      const busy = results.filter((r) => r.status === 503);
      assert.ok(busy.length > 0);
      assert.ok(results.some((r) => r.status === 200));
      for (const r of busy) assert.match(r.json.message, /The server is busy/);
    } finally {
      await server.stop();
    }
  });

  test("shutdown drains in-flight requests: a request already running completes", async () => {
    const server = await serveForTest(await modelDir("custom"));
    const running = post(`${server.url}/invocations`, { ...ROWS, params: { sleep_s: 1 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopped = server.stop();
    const r = await running;
    await stopped;
    assert.equal(r.status, 200);
    await assert.rejects(fetch(`${server.url}/ping`));
  });

  test("the classifier can be forced onto the Python runtime and agrees with ONNX", async () => {
    const body = {
      dataframe_split: {
        columns: ["sepal_length", "sepal_width", "petal_length", "petal_width"],
        data: [
          [5.1, 3.5, 1.4, 0.2],
          [6.7, 3, 5.2, 2.3],
        ],
      },
    };
    const py = await serveForTest(await modelDir("classifier"), { runtime: "python" });
    try {
      const r = await post(`${py.url}/invocations`, body);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json, { predictions: [0, 2] });
    } finally {
      await py.stop();
    }
  });
});

describe("python runtime: every worker crashed", () => {
  test("requests wait for a replacement that is loading instead of failing at once; /health says why", async () => {
    // One row per batch, so the two crash requests go to the two workers.
    const server = await serveForTest(await modelDir("custom"), { workers: 2, maxBatchSize: 1 });
    try {
      const crashes = await Promise.all(
        [0, 1].map(() => post(`${server.url}/invocations`, { ...ROWS, params: { exit_code: 17 } })),
      );
      for (const r of crashes) {
        assert.equal(r.status, 503, r.text);
        assert.match(r.json.message, /worker .* exited \(code 17/);
      }
      // Both replacements are loading now (importing mlflow and loading the model takes seconds).
      const health = await fetch(`${server.url}/health`);
      assert.equal(health.status, 503);
      const why = (await health.json()) as { error_code: string; message: string };
      assert.equal(why.error_code, "TEMPORARILY_UNAVAILABLE");
      assert.match(why.message, /^python worker restarting after crash \(exit code 17\), [12] of 2 loading$/);
      // Requests sent while no worker is ready are held until a replacement has loaded, then answered.
      const waited = await Promise.all(
        Array.from({ length: 6 }, () => post(`${server.url}/invocations`, ROWS)),
      );
      for (const r of waited) assert.equal(r.status, 200, r.text);
      assert.equal((await fetch(`${server.url}/health`)).status, 200);
    } finally {
      await server.stop();
    }
  });

  test("the wait is bounded: with --worker-wait 0 a request finds no worker and gets a 503 that says why", async () => {
    const server = await serveForTest(await modelDir("custom"), { workers: 1, workerWaitSeconds: 0 });
    try {
      const crash = await post(`${server.url}/invocations`, { ...ROWS, params: { exit_code: 17 } });
      assert.equal(crash.status, 503);
      const r = await post(`${server.url}/invocations`, ROWS);
      assert.equal(r.status, 503, r.text);
      assert.match(
        r.json.message,
        /No Python worker is ready \(python worker restarting after crash \(exit code 17\), 1 of 1 loading\)/,
      );
    } finally {
      await server.stop();
    }
  });
});
