// How a frame travels to a Python worker: a float64 or float32 column of numbers as its float64 values, whose bytes
// follow the request's JSON line (the worker's numpy.frombuffer), every other column as JSON values — and the
// model sees the same frame either way, so answers do not depend on the wire (here a real worker running the
// custom pyfunc model, which doubles x and labels name).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createLogger } from "../../src/core/logger.js";
import { toItem } from "../../src/serving/python/python-runtime.js";
import { WorkerProcess } from "../../src/serving/python/worker-process.js";
import {
  encodeRequest,
  type WorkerItem,
  type WorkerResult,
} from "../../src/serving/python/worker-protocol.js";
import type { RuntimeInput } from "../../src/serving/runtime.js";
import { modelDir, PYTHON, REPO } from "./support/serving-fixtures.js";

function frameInput(
  columns: string[],
  data: (unknown[] | Float64Array)[],
  dtypes: Record<string, string> | undefined,
): RuntimeInput {
  return {
    kind: "frame",
    frame: { columns, data: data as never, rows: data[0]?.length ?? 0, fromText: false, dtypes },
    params: undefined,
  };
}

/** The same frame as the JSON-only wire carried it: every column as JSON values. */
function asJson(item: WorkerItem): WorkerItem {
  if (!("frame" in item)) return item;
  const data = { ...item.frame.data };
  for (const [c, b] of Object.entries(item.frame.float64 ?? {})) {
    data[c] = JSON.parse(JSON.stringify([...b])) as unknown[];
  }
  return { ...item, frame: { columns: item.frame.columns, data, dtypes: item.frame.dtypes } };
}

const X = [1.5, 2, -0, NaN, Infinity, -Infinity, 1e300, 0.1 + 0.2, 2 ** 53 + 2, -7.25e-300];
const NAMES = X.map((_v, i) => `r${i}`);

describe("the Python worker's wire format for frames", () => {
  test("float64 and float32 columns of numbers go as float64 values, valued as their JSON text was", () => {
    const item = toItem(
      frameInput(["x", "f", "name", "n", "gap"], [X, [0.5, 1], NAMES, [1, 2], [1.5, null]], {
        x: "float64",
        f: "float32",
        name: "object",
        n: "int64",
        gap: "float64",
      }),
    );
    assert.ok("frame" in item);
    assert.deepEqual(Object.keys(item.frame.float64 ?? {}), ["x", "f"]);
    // NaN and ±Infinity were JSON null (pandas NaN), -0 was 0: the bytes say the same.
    assert.deepEqual(
      [...(item.frame.float64?.x ?? [])],
      [1.5, 2, 0, NaN, NaN, NaN, 1e300, 0.1 + 0.2, 2 ** 53 + 2, -7.25e-300],
    );
    assert.ok(Object.is([...(item.frame.float64?.x ?? [])][2], 0));
    // Text, integers and a column with a missing value stay JSON, as does a frame without dtypes.
    assert.deepEqual(item.frame.data, { name: NAMES, n: [1, 2], gap: [1.5, null] });
    assert.deepEqual(item.frame.columns, ["x", "f", "name", "n", "gap"]);
    const untyped = toItem(frameInput(["x"], [[1.5]], undefined));
    assert.ok("frame" in untyped);
    assert.equal(untyped.frame.float64, undefined);
    assert.deepEqual(untyped.frame.data, { x: [1.5] });
  });

  test("a column of float64 numbers (a batch's CSV read straight into them) goes as the same list would", () => {
    const dtypes = { x: "float64", n: "int64" };
    const typed = toItem(frameInput(["x", "n"], [Float64Array.from(X), Float64Array.of(1, 2)], dtypes));
    const listed = toItem(frameInput(["x", "n"], [X, [1, 2]], dtypes));
    assert.deepEqual(typed, listed);
  });

  describe("a real worker", () => {
    let worker: WorkerProcess;
    before(async () => {
      worker = new WorkerProcess({
        python: PYTHON,
        workerPath: `${REPO}/python`,
        modelPath: await modelDir("custom"),
        logger: createLogger({ level: "silent" }),
      });
      await worker.loaded;
    });
    after(async () => {
      await worker?.stop(5_000);
    });

    async function predictions(items: WorkerItem[]): Promise<WorkerResult[]> {
      const answer = await worker.predict(items);
      assert.ok(Array.isArray(answer), answer instanceof Error ? answer.message : undefined);
      return answer;
    }

    test("answers a frame sent as bytes exactly as the same frame sent as JSON", async () => {
      const item = toItem(frameInput(["x", "name"], [X, NAMES], { x: "float64", name: "object" }));
      assert.ok("frame" in item && item.frame.float64?.x !== undefined);
      const [bytes, json] = await predictions([item, asJson(item)]);
      assert.ok(bytes?.ok, JSON.stringify(bytes));
      assert.deepEqual(bytes, json);
      const rows = JSON.parse(bytes.predictions.replace(/-?Infinity|NaN/g, "null")) as { doubled: number }[];
      assert.deepEqual(
        rows.map((r) => r.doubled),
        [3, 4, 0, null, null, null, 2e300, (0.1 + 0.2) * 2, (2 ** 53 + 2) * 2, -7.25e-300 * 2],
      );
    });

    test("frames sent together as bytes, which the worker joins into one model call, each get their own rows back", async () => {
      const a = toItem(
        frameInput(
          ["x", "name"],
          [
            [1, 2],
            ["a", "b"],
          ],
          { x: "float64", name: "object" },
        ),
      );
      const b = toItem(frameInput(["x", "name"], [[10], ["c"]], { x: "float64", name: "object" }));
      const [first, second] = await predictions([a, b]);
      assert.ok(first?.ok);
      assert.deepEqual(JSON.parse(first.predictions), [
        { doubled: 2, label: "n-a" },
        { doubled: 4, label: "n-b" },
      ]);
      assert.ok(second?.ok);
      assert.deepEqual(JSON.parse(second.predictions), [{ doubled: 20, label: "n-c" }]);
    });
  });
});

describe("a predict request on the pipe", () => {
  test("is one JSON line naming each float64 column's [offset, count] in the bytes that follow it, in order", () => {
    const a = toItem(
      frameInput(
        ["x", "name"],
        [
          [1.5, 2],
          ["a", "b"],
        ],
        { x: "float64", name: "object" },
      ),
    );
    const b = toItem(frameInput(["x", "y"], [[3], Float64Array.of(-0)], { x: "float64", y: "float32" }));
    const { line, bytes } = encodeRequest(7, [a, b]);
    assert.ok(line.endsWith("\n") && !line.slice(0, -1).includes("\n"));
    const request = JSON.parse(line) as { id: number; items: WorkerItem[]; bytes: number };
    const payload = Buffer.concat(bytes);
    assert.equal(request.bytes, payload.length);
    const values = new Float64Array(payload.buffer, payload.byteOffset, payload.length / 8);
    const at = (ref: unknown): number[] => {
      const [offset, count] = ref as [number, number];
      return [...values.subarray(offset / 8, offset / 8 + count)];
    };
    const [first, second] = request.items as { frame: { float64: Record<string, unknown>; data: unknown } }[];
    assert.deepEqual(at(first?.frame.float64.x), [1.5, 2]);
    assert.deepEqual(first?.frame.data, { name: ["a", "b"] });
    assert.deepEqual(at(second?.frame.float64.x), [3]);
    assert.ok(Object.is(at(second?.frame.float64.y)[0], 0));
  });
});
