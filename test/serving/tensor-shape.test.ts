// Open Inference Protocol v2 input tensors are checked before anything is built from their declared shape: the
// product of `shape` must equal the number of values sent, so a tiny request cannot make the serving process
// allocate by a claimed size (issue 10, defect 1). Both runtimes, and the process keeps answering afterwards.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { modelDir, post, serveForTest } from "./support/serving-fixtures.js";

/** Tensors whose declared shape does not match their data, each with what the 400 must say. */
const LYING_TENSORS: { tensor: Record<string, unknown>; message: RegExp }[] = [
  {
    tensor: { name: "x", shape: [1000, 1000, 1000], datatype: "FP32", data: [1] },
    message: /declares shape \[1000, 1000, 1000\] but carries 1 value/,
  },
  {
    tensor: { name: "x", shape: [4294967296, 1], datatype: "FP32", data: [1] },
    message: /declares shape \[4294967296, 1\] but carries 1 value/,
  },
  {
    tensor: { name: "x", shape: [1e15, 1e15, 1e15], datatype: "FP64", data: [1, 2] },
    message: /product of the shape must equal the number of values/,
  },
  {
    tensor: { name: "x", shape: [1_000_000_000, 0], datatype: "FP32", data: [] },
    message: /'inputs\[0\]\.data' must NOT have fewer than 1 items/,
  },
  {
    tensor: { name: "x", shape: [2.5, 2], datatype: "FP32", data: [1, 2, 3, 4, 5] },
    message: /'inputs\[0\]\.shape\[0\]' must be integer/,
  },
  {
    tensor: { name: "x", shape: [-1, 4], datatype: "FP32", data: [1, 2, 3, 4] },
    message: /'inputs\[0\]\.shape\[0\]' must be >= 0/,
  },
  {
    tensor: { name: "x", shape: ["4"], datatype: "FP32", data: [1, 2, 3, 4] },
    message: /'inputs\[0\]\.shape\[0\]' must be integer/,
  },
  {
    tensor: { name: "x", shape: [2], datatype: "FP32", data: [1, "two"] },
    message: /datatype FP32 but 'data' holds "two"/,
  },
  {
    tensor: { name: "x", shape: [1], datatype: "FLOAT", data: [1] },
    message: /'inputs\[0\]\.datatype' must be equal to one of the allowed values/,
  },
];

for (const [runtime, fixture] of [
  ["onnx", "classifier"],
  ["python", "custom"],
] as const) {
  describe(`OIP v2 tensor shapes are checked against their data (${runtime} runtime)`, () => {
    let server: Awaited<ReturnType<typeof serveForTest>>;
    before(async () => {
      server = await serveForTest(await modelDir(fixture), { runtime });
    });
    after(async () => {
      await server?.stop();
    });

    for (const { tensor, message } of LYING_TENSORS) {
      test(`shape ${JSON.stringify(tensor.shape)} with ${JSON.stringify(tensor.data)} is a 400`, async () => {
        const r = await post(`${server.url}/v2/models/${fixture}/infer`, { inputs: [tensor] });
        assert.equal(r.status, 400, r.text);
        assert.match(r.json.error, message);
      });
    }

    test("a column tensor whose shape disagrees with its data is a 400, not a frame of the claimed rows", async () => {
      const column = runtime === "onnx" ? "sepal_length" : "x";
      const r = await post(`${server.url}/v2/models/${fixture}/infer`, {
        inputs: [{ name: column, shape: [1_000_000_000], datatype: "FP64", data: [1.5] }],
      });
      assert.equal(r.status, 400, r.text);
      assert.match(r.json.error, /declares shape \[1000000000\] but carries 1 value/);
    });

    test("after every refused tensor the process is alive and answers /ping", async () => {
      assert.equal((await fetch(`${server.url}/ping`)).status, 200);
    });
  });
}
