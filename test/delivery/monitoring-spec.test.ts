// spec.monitoring: how a deployment's predictions are logged. Logging is on by default; every field is checked
// with a message naming it; the routing snapshot carries what serving logs, hashed columns from the pii tag.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseDeploymentSpec } from "../../src/delivery/deployment-spec.js";
import { hashedColumnsOf } from "../../src/delivery/monitoring-spec.js";
import { routingOf } from "../../src/delivery/routing.js";
import { startRollout } from "../../src/delivery/controller/rollout-step.js";
import type { DeploymentSpec } from "../../src/delivery/deployment.js";
import { refusesAsInvalidParameter } from "../support/invalid-parameter.js";

const base = { name: "fraud", model: "fraud-detector", primary: "3" };

function refuses(monitoring: unknown, message: RegExp): void {
  refusesAsInvalidParameter(() => parseDeploymentSpec({ ...base, monitoring }), message);
}

function routing(spec: DeploymentSpec, hashed: string[] | "all" = []) {
  return routingOf(spec, startRollout(spec, 1, 0), [], hashed);
}

describe("deployment monitoring spec", () => {
  it("accepts every field and keeps it as written", () => {
    const monitoring = {
      enabled: true,
      sampleRate: 0.25,
      inputs: ["amount", "country"],
      retentionDays: 7,
      window: { seconds: 3600 },
      drift: {
        columns: { amount: { method: "psi", threshold: 0.2, warnThreshold: 0.1 } },
        driftShare: 0.3,
        bonferroni: true,
      },
      task: "classification",
    };
    assert.deepEqual(parseDeploymentSpec({ ...base, monitoring }).monitoring, monitoring);
    assert.deepEqual(parseDeploymentSpec({ ...base, monitoring: { window: { rows: 5000 } } }).monitoring, {
      window: { rows: 5000 },
    });
  });

  it("refuses each kind of mistake, naming the field and what is allowed", () => {
    refuses("yes", /spec\.monitoring must be an object/);
    refuses({ sample: 1 }, /unknown field 'sample'; allowed fields are enabled, sampleRate/);
    refuses({ enabled: "no" }, /spec\.monitoring\.enabled must be true or false/);
    refuses({ sampleRate: 1.5 }, /spec\.monitoring\.sampleRate must be a number from 0 to 1 \(got 1\.5\)/);
    refuses({ inputs: "amount" }, /spec\.monitoring\.inputs must be an array/);
    refuses({ inputs: ["a", ""] }, /spec\.monitoring\.inputs\[1\] must be a non-empty string/);
    refuses({ inputs: ["a", "a"] }, /spec\.monitoring\.inputs\[1\] repeats column 'a'/);
    refuses({ retentionDays: 0 }, /spec\.monitoring\.retentionDays must be an integer from 1 to 3650/);
    refuses(
      { window: { seconds: 60, rows: 100 } },
      /spec\.monitoring\.window must have exactly one of seconds, rows/,
    );
    refuses({ window: { seconds: 5 } }, /spec\.monitoring\.window\.seconds must be an integer from 60/);
    refuses(
      { drift: { columns: { a: { method: "t" } } } },
      /drift\.columns\.a\.method must be one of ks, chisquare/,
    );
    refuses(
      { drift: { columns: { a: { threshold: -1 } } } },
      /drift\.columns\.a\.threshold must be a number/,
    );
    refuses({ drift: { driftShare: 2 } }, /spec\.monitoring\.drift\.driftShare must be a number from 0 to 1/);
    refuses({ drift: { bonferroni: 1 } }, /spec\.monitoring\.drift\.bonferroni must be true or false/);
    refuses({ task: "ranking" }, /spec\.monitoring\.task must be classification or regression/);
  });

  it("logs every request's inputs by default, and nothing with enabled: false", () => {
    assert.deepEqual(routing(parseDeploymentSpec(base)).predictionLog, { sampleRate: 1, hashed: [] });
    const off = parseDeploymentSpec({ ...base, monitoring: { enabled: false, sampleRate: 0.5 } });
    assert.equal(routing(off).predictionLog, undefined);
    const some = parseDeploymentSpec({ ...base, monitoring: { sampleRate: 0.1, inputs: ["amount"] } });
    assert.deepEqual(routing(some, ["email"]).predictionLog, {
      sampleRate: 0.1,
      inputs: ["amount"],
      hashed: ["email"],
    });
  });

  it("changes the etag when what serving logs changes", () => {
    const spec = parseDeploymentSpec(base);
    const plain = routing(spec).etag;
    assert.notEqual(routing(spec, ["email"]).etag, plain);
    assert.notEqual(routing(spec, "all").etag, plain);
    assert.notEqual(routing({ ...spec, monitoring: { sampleRate: 0.5 } }).etag, plain);
    assert.notEqual(routing({ ...spec, monitoring: { enabled: false } }).etag, plain);
    assert.equal(routing(spec).etag, plain);
  });

  it("reads the pii tag: true or all hashes every input, else the named columns", () => {
    assert.equal(hashedColumnsOf("true"), "all");
    assert.equal(hashedColumnsOf(" ALL "), "all");
    assert.deepEqual(hashedColumnsOf("email, phone,,email"), ["email", "phone"]);
    assert.deepEqual(hashedColumnsOf(""), []);
    assert.deepEqual(hashedColumnsOf(undefined), []);
  });
});
