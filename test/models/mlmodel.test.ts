import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseMLmodel, parseRequirements } from "../../src/models/mlmodel.js";
import { FlowgateError } from "../../src/core/errors.js";
import { REQUIREMENTS, SKLEARN_MLMODEL } from "./mlmodel-fixture.js";

describe("the MLmodel file", () => {
  it("reads flavors, ids, versions and size of a scikit-learn model", () => {
    const m = parseMLmodel(SKLEARN_MLMODEL);
    assert.deepEqual(Object.keys(m.flavors).sort(), ["python_function", "sklearn"]);
    assert.equal(m.flavors.sklearn?.sklearn_version, "1.5.2");
    assert.equal(m.modelUuid, "m-0123456789abcdef0123456789abcdef");
    assert.equal(m.mlflowVersion, "3.1.0");
    assert.equal(m.modelSizeBytes, 2048);
    assert.equal(m.utcTimeCreated, "2026-01-15 10:20:30.123456");
    assert.deepEqual(m.pyfunc, {
      loaderModule: "mlflow.sklearn",
      pythonVersion: "3.11.9",
      env: { conda: "conda.yaml", virtualenv: "python_env.yaml" },
    });
  });

  it("decodes the signature's JSON strings into column, tensor and param specs", () => {
    const sig = parseMLmodel(SKLEARN_MLMODEL).signature;
    assert.deepEqual(sig?.inputs, [
      { kind: "column", name: "sepal length (cm)", type: "double", required: true },
      { kind: "column", name: "petal width (cm)", type: "double", required: false },
    ]);
    assert.deepEqual(sig?.outputs, [{ kind: "tensor", name: null, dtype: "int64", shape: [-1] }]);
    assert.deepEqual(sig?.params, [{ name: "threshold", type: "double", default: 0.5, shape: null }]);
  });

  it("reads the saved input example info, including the serving example", () => {
    assert.deepEqual(parseMLmodel(SKLEARN_MLMODEL).savedInputExampleInfo, {
      artifactPath: "input_example.json",
      type: "dataframe",
      pandasOrient: "split",
      servingInputPath: "serving_input_example.json",
    });
  });

  it("leaves out what the file does not say", () => {
    const m = parseMLmodel("flavors:\n  python_function: {loader_module: x}\n");
    assert.equal(m.signature, null);
    assert.equal(m.modelSizeBytes, null);
    assert.equal(m.savedInputExampleInfo, null);
  });

  it("refuses a file that is not a YAML mapping or has a broken signature", () => {
    for (const text of ["- a\n- b\n", "a: [unclosed", "signature:\n  inputs: '{not json'\n"]) {
      assert.throws(
        () => parseMLmodel(text),
        (e: unknown) => e instanceof FlowgateError && e.status === 400,
      );
    }
  });

  it("lists requirement pins without comments or includes", () => {
    assert.deepEqual(parseRequirements(REQUIREMENTS), [
      "mlflow==3.1.0",
      "cloudpickle==3.0.0",
      "scikit-learn==1.5.2",
    ]);
  });
});
