// A deployment document is checked field by field when it is written: what is accepted, and for each kind
// of mistake, a message naming the field and what is allowed.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseDeploymentSpec } from "../../src/delivery/deployment-spec.js";
import { refusesAsInvalidParameter } from "../support/invalid-parameter.js";

const base = { name: "fraud", model: "fraud-detector", primary: "3" };

function refuses(spec: Record<string, unknown>, message: RegExp): void {
  refusesAsInvalidParameter(() => parseDeploymentSpec(spec), message);
}

const errorRate = {
  name: "error-rate",
  interval: "30s",
  successCondition: "result < 0.01",
  failureLimit: 1,
  provider: { serving: { metric: "error_rate" } },
};

describe("deployment spec", () => {
  it("accepts a full canary spec and keeps it as written", () => {
    const spec = {
      ...base,
      primary: "@champion",
      track: { alias: "champion" },
      shadow: { version: "5", percent: 100 },
      strategy: {
        canary: {
          version: "4",
          steps: [
            { setWeight: 1 },
            { pause: { duration: "5m" } },
            { analysis: { templates: ["error-rate"] } },
            { setWeight: 50 },
            { pause: {} },
          ],
          maxWeight: 50,
          analysis: { templates: ["error-rate"], startingStep: 1 },
          promoteAlias: "champion",
        },
      },
      analysisTemplates: [
        errorRate,
        {
          name: "p99",
          count: 3,
          successCondition: "result >= 0 && result <= 250",
          failureCondition: "result > 500",
          consecutiveErrorLimit: 4,
          provider: {
            prometheus: {
              address: "http://prom:9090",
              query: 'histogram_quantile(0.99, x{v="{{canary}}"})',
              timeoutSeconds: 5,
            },
          },
        },
        {
          name: "web",
          interval: 60,
          provider: {
            web: { url: "https://check.example/v", jsonPath: "$.data.value", headers: { a: "b" } },
          },
        },
      ],
      warm: 3,
      policy: {
        schema: {
          type: "object",
          properties: { threshold: { type: "number", minimum: 0, maximum: 1 } },
          required: ["threshold"],
        },
        values: { threshold: 0.7 },
        decision: { threshold: "threshold", classIndex: 1, positiveLabel: 1, negativeLabel: 0 },
      },
    };
    assert.deepEqual(parseDeploymentSpec(spec), spec);
  });

  it("accepts an A/B test and a blue/green spec, and a version given as a number becomes its string", () => {
    const ab = {
      ...base,
      strategy: {
        abTest: {
          split: [
            { version: "3", weight: 50 },
            { version: "4", weight: 50 },
          ],
          sticky: { header: "x-user" },
          iterations: 10000,
          duration: "2d",
        },
      },
    };
    assert.deepEqual(parseDeploymentSpec(ab), ab);
    for (const sticky of [{ query: "user" }, { jsonField: "customer.id" }, { cookie: "uid" }]) {
      const withKey = { ...base, strategy: { abTest: { ...ab.strategy.abTest, sticky } } };
      assert.deepEqual(parseDeploymentSpec(withKey), withKey);
    }
    const bg = {
      ...base,
      primary: "stage:Production",
      strategy: {
        blueGreen: {
          previewVersion: "4",
          previewHeader: "x-preview",
          autoPromotion: true,
          autoPromotionSeconds: 60,
          scaleDownDelaySeconds: 30,
        },
      },
    };
    assert.deepEqual(parseDeploymentSpec(bg), bg);
    assert.equal(parseDeploymentSpec({ ...base, primary: 7 }).primary, "7");
  });

  it("refuses what is not a spec, unknown fields and missing required ones", () => {
    refusesAsInvalidParameter(() => parseDeploymentSpec("fraud"), /spec must be an object/);
    refusesAsInvalidParameter(() => parseDeploymentSpec([base]), /spec must be an object/);
    refuses(
      { ...base, replicas: 2 },
      /spec has an unknown field 'replicas'; allowed fields are name, model, primary/,
    );
    refuses({ name: "fraud", model: "m" }, /spec\.primary is required/);
    refuses(
      { ...base, strategy: { canary: { version: "4", steps: [{ setWeight: 5, extra: 1 }] } } },
      /steps\[0\] has an unknown field 'extra'/,
    );
    refuses({ ...base, name: "../etc" }, /spec\.name must be letters, digits/);
  });

  it("takes versions as positive integers, an @alias or a stage, nothing else", () => {
    for (const bad of ["0", "-1", "3.5", "latest", "@", "stage:Prod", "", 0, 1.5, true]) {
      refuses(
        { ...base, primary: bad },
        /spec\.primary must be a version number such as "3", an alias such as "@champion" or a stage/,
      );
    }
  });

  it("takes weights as integers from 0 to 100, at most maxWeight, and an A/B split summing to 100", () => {
    const canary = (steps: unknown[], maxWeight?: number) => ({
      ...base,
      strategy: { canary: { version: "4", steps, ...(maxWeight ? { maxWeight } : {}) } },
    });
    refuses(
      canary([{ setWeight: 101 }]),
      /steps\[0\]\.setWeight must be an integer from 0 to 100 \(got 101\)/,
    );
    refuses(canary([{ setWeight: 2.5 }]), /setWeight must be an integer from 0 to 100/);
    refuses(canary([{ setWeight: "10" }]), /setWeight must be an integer/);
    refuses(
      canary([{ setWeight: 10 }, { setWeight: 60 }], 50),
      /steps\[1\]\.setWeight must be at most maxWeight \(50\)/,
    );
    refuses(canary([]), /spec\.strategy\.canary\.steps must have 1 to 100 entries/);
    refuses(
      canary([{ setWeight: 1, pause: {} }]),
      /steps\[0\] must have exactly one of setWeight, pause, analysis/,
    );
    const split = (s: unknown[]) => ({ ...base, strategy: { abTest: { split: s } } });
    refuses(
      split([
        { version: "3", weight: 50 },
        { version: "4", weight: 40 },
      ]),
      /spec\.strategy\.abTest\.split weights must sum to 100 \(got 90\)/,
    );
    refuses(
      split([
        { version: "3", weight: 50 },
        { version: "3", weight: 50 },
      ]),
      /split\[1\]\.version repeats version 3/,
    );
    refuses(split([{ version: "3", weight: 100 }]), /split must have 2 to 10 entries/);
  });

  it("refuses a canary or preview version equal to the primary", () => {
    refuses(
      { ...base, strategy: { canary: { version: "3", steps: [{ setWeight: 5 }] } } },
      /canary\.version must differ from spec\.primary \(both are 3\)/,
    );
    refuses(
      { ...base, strategy: { blueGreen: { previewVersion: "3" } } },
      /previewVersion must differ from spec\.primary/,
    );
  });

  it("takes durations as 30s, 5m, 1h, 2d or seconds", () => {
    const pause = (duration: unknown) => ({
      ...base,
      strategy: { canary: { version: "4", steps: [{ pause: { duration } }] } },
    });
    for (const ok of ["30s", "5m", "1h", "2d", 90, 0])
      assert.doesNotThrow(() => parseDeploymentSpec(pause(ok)));
    for (const bad of ["5 minutes", "1w", "-5s", "1.5h", "", -1, "999999d"]) {
      refuses(
        pause(bad),
        /steps\[0\]\.pause\.duration must be a duration like "30s", "5m", "1h" or "2d", or a number of seconds/,
      );
    }
  });

  it("refuses a step or background analysis naming a template the spec does not define", () => {
    refuses(
      {
        ...base,
        strategy: { canary: { version: "4", steps: [{ analysis: { templates: ["p99"] } }] } },
        analysisTemplates: [errorRate],
      },
      /steps\[0\]\.analysis\.templates\[0\] names analysis template 'p99', which spec\.analysisTemplates does not define \(the spec has error-rate\)/,
    );
    refuses(
      {
        ...base,
        strategy: { canary: { version: "4", steps: [{ setWeight: 5 }], analysis: { templates: ["x"] } } },
      },
      /canary\.analysis\.templates\[0\] names analysis template 'x'.*the spec has none/,
    );
    refuses(
      { ...base, analysisTemplates: [errorRate, errorRate] },
      /analysisTemplates\[1\]\.name repeats the template name 'error-rate'/,
    );
  });

  it("refuses a condition that is not result compared with numbers", () => {
    for (const bad of ["result < ", "require('fs')", "result < 0.01 and result > 0", "x > 1"]) {
      refuses(
        { ...base, analysisTemplates: [{ ...errorRate, successCondition: bad }] },
        /analysisTemplates\[0\]\.successCondition is not a condition: .*comparisons of result with a number/,
      );
    }
  });

  it("checks a metric provider's own fields", () => {
    const provider = (p: unknown) => ({ ...base, analysisTemplates: [{ name: "m", provider: p }] });
    refuses(
      provider({ serving: { metric: "accuracy" } }),
      /provider\.serving\.metric must be one of error_rate, p99_latency_ms/,
    );
    refuses(
      provider({ serving: { metric: "error_rate", of: "shadow" } }),
      /provider\.serving\.of must be canary or primary/,
    );
    refuses(
      provider({ prometheus: { address: "file:///etc/passwd", query: "up" } }),
      /provider\.prometheus\.address must be an http:\/\/ or https:\/\/ URL/,
    );
    refuses(
      provider({ web: { url: "https://x", jsonPath: "data.value" } }),
      /provider\.web\.jsonPath must be a path like "\$\.data\.value"/,
    );
    refuses(
      provider({ web: { url: "https://x", timeoutSeconds: 600 } }),
      /timeoutSeconds must be an integer from 1 to 60/,
    );
    refuses(
      provider({ web: { url: "https://x", headers: null } }),
      /provider\.web\.headers must be an object/,
    );
    refuses(
      provider({ web: { url: "https://x", headers: { a: 1 } } }),
      /provider\.web\.headers\.a must be a string/,
    );
    refuses(
      provider({ web: { url: "https://x", headers: { "bad header": "v" } } }),
      /headers must be an HTTP header name/,
    );
    refuses(
      provider({ serving: { metric: "error_rate" }, web: { url: "https://x" } }),
      /provider must have exactly one of serving, prometheus, web/,
    );
  });

  it("checks policy values against the policy's JSON Schema", () => {
    const policy = (p: unknown) => ({ ...base, policy: p });
    const schema = { type: "object", properties: { threshold: { type: "number", maximum: 1 } } };
    refuses(
      policy({ schema, values: { threshold: 2 } }),
      /spec\.policy\.values do not satisfy spec\.policy\.schema: values\/threshold must be <= 1/,
    );
    refuses(
      policy({ schema: { type: "no-such-type" }, values: {} }),
      /spec\.policy\.schema is not a valid JSON Schema/,
    );
    refuses(
      policy({ values: { threshold: "high" }, decision: { threshold: "threshold" } }),
      /decision\.threshold must name a number in spec\.policy\.values/,
    );
    refuses(policy({ values: [] }), /spec\.policy\.values must be an object/);
    refuses(policy({ values: null }), /spec\.policy\.values must be an object \(got null\)/);
    refuses(policy({ schema: null, values: {} }), /spec\.policy\.schema must be an object/);
  });

  it("checks warm, shadow, sticky keys and the blue/green fields", () => {
    refuses({ ...base, warm: 6 }, /spec\.warm must be an integer from 0 to 5 \(got 6\)/);
    refuses(
      { ...base, shadow: { version: "4", percent: 0 } },
      /spec\.shadow\.percent must be an integer from 1 to 100/,
    );
    const sticky = (s: unknown) => ({
      ...base,
      strategy: {
        abTest: {
          split: [
            { version: "3", weight: 50 },
            { version: "4", weight: 50 },
          ],
          sticky: s,
        },
      },
    });
    refuses(sticky({ header: "bad header" }), /sticky\.header must be an HTTP header name/);
    refuses(sticky({ jsonField: "a..b" }), /sticky\.jsonField must be a field name or a dotted path/);
    refuses(
      sticky({ header: "a", query: "b" }),
      /sticky must have exactly one of header, query, jsonField, cookie/,
    );
    refuses(
      { ...base, strategy: { blueGreen: { previewVersion: "4", scaleDownDelaySeconds: -1 } } },
      /scaleDownDelaySeconds must be an integer from 0 to 86400/,
    );
    refuses(
      { ...base, strategy: { blueGreen: { previewVersion: "4", autoPromotion: "yes" } } },
      /autoPromotion must be true or false/,
    );
    refuses(
      {
        ...base,
        track: { alias: "champion" },
        strategy: {
          abTest: {
            split: [
              { version: "3", weight: 50 },
              { version: "4", weight: 50 },
            ],
          },
        },
      },
      /spec\.track needs a canary or blueGreen strategy/,
    );
  });
});
