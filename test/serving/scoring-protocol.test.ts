// The MLflow scoring protocol on /invocations: every input format and every bad input, against real models
// saved by the real mlflow client (served by the in-process ONNX runtime after the checked conversion).
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { after, before, describe, test } from "node:test";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { PYTHON, fixtureModels, modelDir, post, serveForTest } from "./support/serving-fixtures.js";

const IRIS = ["sepal_length", "sepal_width", "petal_length", "petal_width"];
const SETOSA = [5.1, 3.5, 1.4, 0.2];
const VIRGINICA = [6.7, 3.0, 5.2, 2.3];

describe("scoring protocol", () => {
  let clf: Awaited<ReturnType<typeof serveForTest>>;
  let reg: Awaited<ReturnType<typeof serveForTest>>;
  let strings: Awaited<ReturnType<typeof serveForTest>>;
  before(async () => {
    clf = await serveForTest(await modelDir("classifier"));
    reg = await serveForTest(await modelDir("regressor"), { maxBodyBytes: 4096 });
    strings = await serveForTest(await modelDir("strings"));
  });
  after(async () => {
    await Promise.all([clf?.stop(), reg?.stop(), strings?.stop()]);
  });
  const invoke = (server: { url: string }, body: unknown, headers?: Record<string, string>) =>
    post(`${server.url}/invocations`, body, headers);

  test("the classifier is served in-process by ONNX, and /metadata says why", async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response JSON
    const meta: any = await (await fetch(`${clf.url}/metadata`)).json();
    assert.equal(meta.models[0].runtime, "onnx");
    assert.match(meta.models[0].reason, /skl2onnx; predictions matched on \d+ rows/);
  });

  test("dataframe_split answers a list of predictions", async () => {
    const r = await invoke(clf, { dataframe_split: { columns: IRIS, data: [SETOSA, VIRGINICA] } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { predictions: [0, 2] });
  });

  test("dataframe_records works and extra columns are dropped", async () => {
    const record = Object.fromEntries(IRIS.map((c, i) => [c, SETOSA[i]]));
    const r = await invoke(clf, { dataframe_records: [{ ...record, extra: "ignored" }] });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { predictions: [0] });
  });

  test("instances as a list of records works", async () => {
    const r = await invoke(clf, { instances: [Object.fromEntries(IRIS.map((c, i) => [c, VIRGINICA[i]]))] });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { predictions: [2] });
  });

  test("inputs as a dictionary of columns works", async () => {
    const r = await invoke(clf, {
      inputs: Object.fromEntries(IRIS.map((c, i) => [c, [SETOSA[i], VIRGINICA[i]]])),
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { predictions: [0, 2] });
  });

  test("text/csv works, with numbers read from text", async () => {
    const csv = `${IRIS.join(",")}\n${SETOSA.join(",")}\n${VIRGINICA.join(",")}\n`;
    const r = await invoke(clf, csv, { "content-type": "text/csv" });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { predictions: [0, 2] });
  });

  test("application/vnd.apache.parquet works", async () => {
    const bytes = await readFile(path.join(await fixtureModels(), "iris.parquet"));
    const r = await invoke(clf, bytes, { "content-type": "application/vnd.apache.parquet" });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { predictions: [0, 0] });
  });

  test("a JSON int reaches a double column (int → double is safe)", async () => {
    const r = await invoke(reg, {
      dataframe_split: { columns: ["age", "bmi", "bp", "s1"], data: [[0, 0, 0, 0]] },
    });
    assert.equal(r.status, 200);
    assert.equal(r.json.predictions.length, 1);
    assert.equal(typeof r.json.predictions[0], "number");
  });

  test("a gzip-compressed body is accepted", async () => {
    const body = gzipSync(JSON.stringify({ dataframe_split: { columns: IRIS, data: [SETOSA] } }));
    const r = await invoke(clf, body, { "content-type": "application/json", "content-encoding": "gzip" });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { predictions: [0] });
  });

  test("string columns are served (one-hot pipeline converted to ONNX)", async () => {
    const r = await invoke(strings, {
      dataframe_split: {
        columns: ["color", "size"],
        data: [
          ["red", 1],
          ["blue", 2],
          ["green", 9],
        ],
      },
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { predictions: [1, 0, 1] });
  });

  test("malformed JSON is a 400 BAD_REQUEST", async () => {
    const r = await invoke(clf, "{not json");
    assert.equal(r.status, 400);
    assert.equal(r.json.error_code, "BAD_REQUEST");
    assert.match(r.json.message, /^Invalid input\. Ensure that input is a valid JSON formatted string/);
  });

  test("an unknown format key is a 400 naming the allowed fields", async () => {
    const r = await invoke(clf, { data: [SETOSA] });
    assert.equal(r.status, 400);
    assert.equal(r.json.error_code, "BAD_REQUEST");
    assert.match(
      r.json.message,
      /exactly one of the input fields .*dataframe_split.*Received dictionary with input fields: \['data'\]/,
    );
  });

  test("two data keys are a 400", async () => {
    const r = await invoke(clf, { dataframe_split: { columns: IRIS, data: [SETOSA] }, inputs: {} });
    assert.equal(r.status, 400);
    assert.match(r.json.message, /exactly one of the input fields/);
  });

  test("a JSON list body is a 400", async () => {
    const r = await invoke(clf, [SETOSA]);
    assert.equal(r.status, 400);
    assert.match(r.json.message, /Received a list/);
  });

  test("dataframe_split with an unknown key is a 400", async () => {
    const r = await invoke(clf, { dataframe_split: { columns: IRIS, data: [SETOSA], rows: 1 } });
    assert.equal(r.status, 400);
    assert.match(r.json.message, /Dataframe split format must have 'data' field/);
  });

  test("a row of the wrong width is a 400", async () => {
    const r = await invoke(clf, { dataframe_split: { columns: IRIS, data: [[1, 2, 3]] } });
    assert.equal(r.status, 400);
    assert.match(r.json.message, /4 columns passed, passed data had 3 columns/);
  });

  test("a wrong content type is a 415 in text/plain", async () => {
    const r = await invoke(clf, "x=1", { "content-type": "application/x-www-form-urlencoded" });
    assert.equal(r.status, 415);
    assert.match(r.headers.get("content-type") ?? "", /text\/plain/);
    assert.match(r.text, /only supports the following content types/);
  });

  test("the MLflow 1.x format parameter is a 415", async () => {
    const r = await invoke(clf, "{}", { "content-type": "application/json; format=pandas-split" });
    assert.equal(r.status, 415);
    assert.match(r.text, /Unrecognized content type parameters: format/);
  });

  test("a charset other than utf-8 is a 415", async () => {
    const r = await invoke(clf, "{}", { "content-type": "application/json; charset=latin-1" });
    assert.equal(r.status, 415);
    assert.match(r.text, /only supports UTF-8/);
  });

  test("a missing column is a 400 INVALID_PARAMETER_VALUE naming it", async () => {
    const r = await invoke(clf, {
      dataframe_split: { columns: IRIS.slice(0, 3), data: [SETOSA.slice(0, 3)] },
    });
    assert.equal(r.status, 400);
    assert.equal(r.json.error_code, "INVALID_PARAMETER_VALUE");
    assert.match(r.json.message, /Failed to enforce schema.*Model is missing inputs \['petal_width'\]/s);
  });

  test("a string in a double column is a 400 naming the column and type", async () => {
    const r = await invoke(reg, { dataframe_records: [{ age: "old", bmi: 0, bp: 0, s1: 0 }] });
    assert.equal(r.status, 400);
    assert.equal(r.json.error_code, "BAD_REQUEST");
    assert.match(r.json.message, /Failed to convert column age to type 'float64'/);
  });

  test("a numeric-looking JSON string is still not a double", async () => {
    const r = await invoke(reg, { dataframe_records: [{ age: "1.5", bmi: 0, bp: 0, s1: 0 }] });
    assert.equal(r.status, 400);
    assert.match(r.json.message, /column age to type 'float64'/);
  });

  test("a float in a long column is a 400: float → long is not a safe cast", async () => {
    const r = await invoke(strings, {
      dataframe_split: { columns: ["color", "size"], data: [["red", 1.5]] },
    });
    assert.equal(r.status, 400);
    assert.equal(r.json.error_code, "INVALID_PARAMETER_VALUE");
    assert.match(
      r.json.message,
      /Incompatible input types for column size\. Can not safely convert float64 to int64/,
    );
  });

  test("a null in a long column is a 400", async () => {
    const r = await invoke(strings, {
      dataframe_split: { columns: ["color", "size"], data: [["red", null]] },
    });
    assert.equal(r.status, 400);
    assert.match(r.json.message, /Failed to convert column size to type 'int64'/);
  });

  test("a body over the limit is a 413 before parsing", async () => {
    const r = await invoke(reg, `{"inputs": "${"x".repeat(8000)}"}`);
    assert.equal(r.status, 413);
    assert.equal(r.json.error_code, "PAYLOAD_TOO_LARGE");
  });

  test("a gzip body whose decompressed size is over the limit is a 413", async () => {
    const bomb = gzipSync(Buffer.alloc(1024 * 1024, 32));
    assert.ok(bomb.length < 4096);
    const r = await invoke(reg, bomb, { "content-type": "application/json", "content-encoding": "gzip" });
    assert.equal(r.status, 413);
    assert.equal(r.json.error_code, "PAYLOAD_TOO_LARGE");
  });

  test("a small Parquet body declaring more cells than the body limit allows is a 413 before decoding", async () => {
    // 100,000 equal values compress to ~1.5 KB: the file's metadata, not its size on the wire, says how much
    // memory decoding would take.
    const { stdout } = await promisify(execFile)(PYTHON, [
      "-c",
      "import io, sys, pandas as pd; b = io.BytesIO(); pd.DataFrame({'age': [0.5] * 100000}).to_parquet(b, index=False); sys.stdout.write(b.getvalue().hex())",
    ]);
    const bytes = Buffer.from(stdout, "hex");
    assert.ok(bytes.length < 4096);
    const r = await invoke(reg, bytes, { "content-type": "application/vnd.apache.parquet" });
    assert.equal(r.status, 413, r.text);
    assert.equal(r.json.error_code, "PAYLOAD_TOO_LARGE");
    assert.match(r.json.message, /declares 100000 rows of 1 columns/);
  });

  test("sparse records that would pad out to more cells than the body has bytes are a 413", async () => {
    // One record with 10,000 keys and 2,000 empty ones: ~130 KB of JSON asking for a 20-million-cell frame.
    const wide = Object.fromEntries(Array.from({ length: 10_000 }, (_v, i) => [`k${i}`, 1]));
    for (const body of [
      { dataframe_records: [wide, ...Array.from({ length: 2000 }, () => ({}))] },
      { instances: [wide, ...Array.from({ length: 2000 }, () => ({}))] },
      { dataframe_records: [Array<number>(10_000).fill(1), ...Array.from({ length: 2000 }, () => [])] },
    ]) {
      const r = await invoke(clf, body);
      assert.equal(r.status, 413, r.text);
      assert.equal(r.json.error_code, "PAYLOAD_TOO_LARGE");
      assert.match(r.json.message, /2001 rows × 10000 columns/);
    }
  });

  test("an unknown content encoding is a 415", async () => {
    const r = await invoke(clf, "{}", { "content-type": "application/json", "content-encoding": "br" });
    assert.equal(r.status, 415);
  });

  test("X-Request-Id is echoed, or generated when absent", async () => {
    const body = { dataframe_split: { columns: IRIS, data: [SETOSA] } };
    const given = await invoke(clf, body, { "content-type": "application/json", "x-request-id": "req-42" });
    assert.equal(given.headers.get("x-request-id"), "req-42");
    const generated = await invoke(clf, body);
    assert.match(generated.headers.get("x-request-id") ?? "", /^[0-9a-f]{16}$/);
  });

  test("/ping, /health and /version answer as MLflow's server does", async () => {
    for (const route of ["/ping", "/health"]) {
      const r = await fetch(`${clf.url}${route}`);
      assert.equal(r.status, 200);
      assert.equal(await r.text(), "\n");
    }
    const v = await fetch(`${clf.url}/version`);
    assert.equal(v.status, 200);
    assert.match(await v.text(), /^\d+\.\d+\.\d+/);
  });

  test("/metrics exposes requests, latency, batch sizes, in-flight and load time with model labels", async () => {
    const text = await (await fetch(`${clf.url}/metrics`)).text();
    for (const name of [
      "flowgate_serving_requests_total",
      "flowgate_serving_request_duration_seconds_bucket",
      "flowgate_serving_batch_size_bucket",
      "flowgate_serving_in_flight_requests",
      "flowgate_serving_model_load_seconds",
    ]) {
      assert.ok(text.includes(name), `${name} missing`);
    }
    assert.match(
      text,
      /flowgate_serving_requests_total\{route="\/invocations",status="200",model="classifier",version="local",runtime="onnx"\}/,
    );
  });
});
