// Model names: the lint (advice only), the shape rule and name sameness (core/name-rules.ts), and the
// look-alike refusals over HTTP on every back end.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { checkModelName, lintModelName } from "../../src/registry/naming.js";
import { nameKey } from "../../src/core/name-rules.js";
import { FlowgateError } from "../../src/core/errors.js";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";

describe("the model name lint", () => {
  it("accepts product names", () => {
    for (const name of ["fraud-detector", "churn_predictor", "resnet50-classifier", "Pricing Model"]) {
      assert.deepEqual(lintModelName(name), { warnings: [], suggestedName: undefined }, name);
    }
  });

  it("warns about version numbers in a name and suggests the product name", () => {
    assert.equal(lintModelName("fraud-detector-v2").suggestedName, "fraud-detector");
    assert.equal(lintModelName("churn_2").suggestedName, "churn");
    assert.equal(lintModelName("ranker-1.3").suggestedName, "ranker");
  });

  it("warns about final, new and copy", () => {
    const lint = lintModelName("fraud_detector_v2_final");
    assert.equal(lint.warnings.length, 2);
    assert.equal(lint.suggestedName, "fraud-detector");
    assert.equal(lintModelName("new model copy").suggestedName, "model");
  });
});

describe("model names obey the shape rule", () => {
  it("refuses invisible characters, odd spaces, non-NFC forms and percent-escapes", () => {
    for (const name of [
      "prod%20model",
      "prod%2Fmodel",
      "prod\u00a0model",
      "prod  model",
      " prod model",
      "prod model ",
      "prod\u200bmodel",
      "prod\u2028model",
      "prod\u0085model",
      "prod\tmodel",
      "prod\u202emodel",
      "prod mode\u0301l",
      "prod\u3000model",
    ]) {
      assert.throws(
        () => checkModelName(name),
        (err: unknown) => err instanceof FlowgateError && err.code === "INVALID_PARAMETER_VALUE",
        JSON.stringify(name),
      );
    }
  });

  it("accepts ordinary names, accented letters in NFC form and emoji", () => {
    for (const name of [
      "prod model",
      "Prod-Model_2",
      "modèle de prix",
      "価格モデル",
      "rocket 🚀",
      "100% ready",
    ]) {
      assert.equal(checkModelName(name), name);
    }
  });
});

describe("two names are the same name when their keys are equal", () => {
  it("folds case, width, accents and '+' for a space", () => {
    const key = nameKey("prod model");
    for (const alike of [
      "Prod Model",
      "PROD MODEL",
      "ｐｒｏｄ ｍｏｄｅｌ",
      "prod+model",

      "pröd model",
      "prod\u00a0model",
    ]) {
      assert.equal(nameKey(alike), key, alike);
    }
    assert.notEqual(nameKey("prod-model"), key);
    assert.notEqual(nameKey("prod model 2"), key);
  });
});

/** Every look-alike of "prod model" the probe tried; each must be refused while "prod model" exists. */
const LOOK_ALIKES = [
  "prod%20model",
  "prod%2Fmodel",
  "prod+model",
  "prod\u00a0model",
  "prod  model",
  " prod model",
  "prod model ",
  "Prod Model",
  "PROD MODEL",
  "ｐｒｏｄ ｍｏｄｅｌ",
  "prod\u200bmodel",
  "prod\u2028model",
  "prod\u0085model",
  "prod mode\u0301l",
  "prod modél",
  "prod\u2003model",
  "\u200bprod model",
  "prod\ufeffmodel",
];

for (const backend of BACKENDS) {
  describe(`look-alike names are refused over HTTP (${backend.name})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend);
    });
    after(() => server.close());

    const models = async (): Promise<string[]> => {
      const res = await call(server, "GET", "/api/2.0/mlflow/registered-models/search");
      const list = (res.body.registered_models ?? []) as Array<{ name: string }>;
      return list.map((m) => m.name);
    };
    const experiments = async (): Promise<string[]> => {
      const res = await call(server, "POST", "/api/2.0/mlflow/experiments/search", { view_type: "ALL" });
      return (res.body.experiments as Array<{ name: string }>).map((e) => e.name);
    };

    it("refuses every look-alike of an existing model, naming the existing one when only the key collides", async () => {
      assert.equal(
        (await call(server, "POST", "/api/2.0/mlflow/registered-models/create", { name: "prod model" }))
          .status,
        200,
      );
      for (const name of LOOK_ALIKES) {
        for (const route of [
          "/api/2.0/mlflow/registered-models/create",
          "/api/flowgate/v1/registered-models",
        ]) {
          const res = await call(server, "POST", route, { name });
          assert.equal(
            res.status,
            400,
            `${route} ${JSON.stringify(name)}: ${res.status} ${res.body.message}`,
          );
          assert.ok(
            res.body.error_code === "RESOURCE_ALREADY_EXISTS" ||
              res.body.error_code === "INVALID_PARAMETER_VALUE",
            JSON.stringify(name),
          );
          if (res.body.error_code === "RESOURCE_ALREADY_EXISTS")
            assert.match(res.body.message, /name=prod model\)/);
        }
      }
      const collides = await call(server, "POST", "/api/2.0/mlflow/registered-models/create", {
        name: "Prod Model",
      });
      assert.equal(collides.body.error_code, "RESOURCE_ALREADY_EXISTS");
      assert.deepEqual(await models(), ["prod model"]);
    });

    it("refuses renaming another model to a look-alike, but lets a model change its own case", async () => {
      await call(server, "POST", "/api/2.0/mlflow/registered-models/create", { name: "other" });
      const res = await call(server, "POST", "/api/2.0/mlflow/registered-models/rename", {
        name: "other",
        new_name: "PROD MODEL",
      });
      assert.equal(res.body.error_code, "RESOURCE_ALREADY_EXISTS");
      assert.match(res.body.message, /name=prod model\)/);
      const own = await call(server, "POST", "/api/2.0/mlflow/registered-models/rename", {
        name: "other",
        new_name: "Other",
      });
      assert.equal(own.status, 200, own.body.message);
      assert.deepEqual((await models()).sort(), ["Other", "prod model"]);
    });

    it("lets exactly one of two concurrent look-alike creates win", async () => {
      const results = await Promise.all(
        ["race model", "Race Model", "RACE MODEL", "ｒａｃｅ model"].map((name) =>
          call(server, "POST", "/api/2.0/mlflow/registered-models/create", { name }),
        ),
      );
      assert.equal(results.filter((r) => r.status === 200).length, 1);
      for (const r of results.filter((x) => x.status !== 200))
        assert.equal(r.body.error_code, "RESOURCE_ALREADY_EXISTS");
      assert.equal((await models()).filter((n) => nameKey(n) === "race model").length, 1);
    });

    it("applies the same rules to experiment names", async () => {
      const created = await call(server, "POST", "/api/2.0/mlflow/experiments/create", {
        name: "prod model",
      });
      assert.equal(created.status, 200);
      const before = await experiments();
      for (const name of LOOK_ALIKES) {
        const res = await call(server, "POST", "/api/2.0/mlflow/experiments/create", { name });
        assert.equal(res.status, 400, `${JSON.stringify(name)}: ${res.status} ${res.body.message}`);
        if (res.body.error_code === "RESOURCE_ALREADY_EXISTS")
          assert.match(res.body.message, /name=prod model\)/);
        else assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
      }
      const renamed = await call(server, "POST", "/api/2.0/mlflow/experiments/update", {
        experiment_id: "0",
        new_name: "Prod Model",
      });
      assert.equal(renamed.body.error_code, "RESOURCE_ALREADY_EXISTS");
      assert.deepEqual(await experiments(), before);
    });
  });
}
