import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DeploymentSpec } from "../../src/delivery/deployment.js";
import { FlowgateError } from "../../src/core/errors.js";
import { parseShadow, parseSteps, specFromFlags } from "../../src/cli/commands/deployment-flags.js";

function file(name: string, text: string): string {
  const p = path.join(mkdtempSync(path.join(tmpdir(), "flowgate-spec-")), name);
  writeFileSync(p, text);
  return p;
}

function refused(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FlowgateError);
    assert.equal(err.code, "INVALID_PARAMETER_VALUE");
    assert.match(err.message, message);
    return true;
  });
}

describe("deployment specs from command-line flags", () => {
  it("a steps list reads as Argo's canary steps: weights, timed and indefinite pauses, analyses", () => {
    assert.deepEqual(parseSteps("10, pause:5m,50,pause,analysis:error-rate+p99,100%,pause:30"), [
      { setWeight: 10 },
      { pause: { duration: "5m" } },
      { setWeight: 50 },
      { pause: {} },
      { analysis: { templates: ["error-rate", "p99"] } },
      { setWeight: 100 },
      { pause: { duration: 30 } },
    ]);
  });

  it("a step that is not a weight, pause or analysis is refused with the grammar", () => {
    refused(() => parseSteps("10,wait:5m"), /Invalid step 'wait:5m': steps are a comma-separated list/);
    refused(() => parseSteps("150"), /A step weight must be a percentage from 0 to 100, not '150'/);
    refused(() => parseSteps(" , "), /--steps is empty/);
  });

  it("a shadow is a version at 100% unless a percentage follows it", () => {
    assert.deepEqual(parseShadow("4"), { version: "4", percent: 100 });
    assert.deepEqual(parseShadow("4:20"), { version: "4", percent: 20 });
    refused(() => parseShadow(":20"), /use <version>\[:<percent>\]/);
  });

  it("create's flags write a whole spec: model, primary, canary ramp, shadow, warm, tracked alias", () => {
    const spec = specFromFlags("fraud", {
      model: "fraud-detector",
      primary: "@champion",
      canary: "4",
      steps: "10,pause:5m,50,pause,100",
      maxWeight: "50",
      analysis: "error-rate",
      shadow: "5:20",
      warm: "3",
      trackAlias: "champion",
    });
    assert.deepEqual(spec, {
      name: "fraud",
      model: "fraud-detector",
      primary: "@champion",
      track: { alias: "champion" },
      shadow: { version: "5", percent: 20 },
      strategy: {
        canary: {
          version: "4",
          steps: [
            { setWeight: 10 },
            { pause: { duration: "5m" } },
            { setWeight: 50 },
            { pause: {} },
            { setWeight: 100 },
          ],
          maxWeight: 50,
          analysis: { templates: ["error-rate"] },
        },
      },
      warm: 3,
    });
  });

  it("A/B and blue/green strategies come from --ab with --sticky and --blue-green", () => {
    const ab = specFromFlags("exp", {
      model: "m",
      primary: "1",
      ab: "1:50,2:50",
      sticky: "json:customer.id",
    });
    assert.deepEqual(ab.strategy, {
      abTest: {
        split: [
          { version: "1", weight: 50 },
          { version: "2", weight: 50 },
        ],
        sticky: { jsonField: "customer.id" },
      },
    });
    const bg = specFromFlags("bg", { model: "m", primary: "1", blueGreen: "2", autoPromote: true });
    assert.deepEqual(bg.strategy, { blueGreen: { previewVersion: "2", autoPromotion: true } });
  });

  it("flags that contradict each other or need another flag say which", () => {
    refused(
      () => specFromFlags("d", { model: "m", primary: "1", canary: "2", ab: "1:50,2:50" }),
      /at most one of --canary, --ab and --blue-green/,
    );
    refused(
      () => specFromFlags("d", { model: "m", primary: "1", steps: "10,100" }),
      /--steps needs --canary/,
    );
    refused(
      () => specFromFlags("d", { model: "m", primary: "1", sticky: "header:x" }),
      /--sticky needs --ab/,
    );
    refused(
      () => specFromFlags("d", { model: "m", primary: "1", warm: "two" }),
      /--warm must be a non-negative integer/,
    );
    refused(
      () => specFromFlags("d", {}),
      /A deployment needs model, primary: give --model, --primary or a spec file/,
    );
  });

  it("a spec file (YAML or JSON) is the base the flags are written over, and must name the same deployment", () => {
    const yaml = file("spec.yaml", "name: fraud\nmodel: fraud-detector\nprimary: '3'\nwarm: 1\n");
    assert.deepEqual(specFromFlags(undefined, { file: yaml, shadow: "4" }), {
      name: "fraud",
      model: "fraud-detector",
      primary: "3",
      warm: 1,
      shadow: { version: "4", percent: 100 },
    });
    const json = file("spec.json", JSON.stringify({ model: "fraud-detector", primary: "3" }));
    assert.equal(specFromFlags("fraud", { file: json }).name, "fraud");
    refused(() => specFromFlags("other", { file: yaml }), /The spec names deployment 'fraud', not 'other'/);
    refused(
      () => specFromFlags("x", { file: "/nonexistent/spec.yaml" }),
      /Cannot read '\/nonexistent\/spec.yaml': ENOENT/,
    );
    refused(
      () => specFromFlags("x", { file: file("bad.yaml", "model: [unclosed\n") }),
      /is not valid YAML or JSON/,
    );
  });

  it("set writes flags over the current spec, and can drop the shadow and the strategy", () => {
    const current: DeploymentSpec = {
      name: "fraud",
      model: "fraud-detector",
      primary: "3",
      shadow: { version: "4", percent: 10 },
      strategy: { canary: { version: "4", steps: [{ setWeight: 100 }] } },
      policy: { schema: { type: "object" }, values: { threshold: 0.5 } },
    };
    const next = specFromFlags("fraud", { primary: "4", shadow: false, strategy: false }, current);
    assert.deepEqual(next, {
      name: "fraud",
      model: "fraud-detector",
      primary: "4",
      policy: { schema: { type: "object" }, values: { threshold: 0.5 } },
    });
    assert.deepEqual(current.shadow, { version: "4", percent: 10 }, "the spec read is not changed in place");
  });

  it("a policy file holds a whole policy, or bare values that keep the current schema and decision", () => {
    const current: DeploymentSpec = {
      name: "fraud",
      model: "m",
      primary: "3",
      policy: {
        schema: { type: "object" },
        values: { threshold: 0.5 },
        decision: { threshold: "threshold" },
      },
    };
    const values = file("values.yaml", "threshold: 0.7\n");
    assert.deepEqual(specFromFlags("fraud", { policyFile: values }, current).policy, {
      schema: { type: "object" },
      values: { threshold: 0.7 },
      decision: { threshold: "threshold" },
    });
    const whole = file("policy.json", JSON.stringify({ values: { threshold: 0.9 } }));
    assert.deepEqual(specFromFlags("fraud", { policyFile: whole }, current).policy, {
      values: { threshold: 0.9 },
    });
  });
});
