// Canary and linear updates from the command line's flags: the DeploymentConfig SageMaker receives, and the
// mistakes refused before any AWS call, each with a message naming the flag and what it accepts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FlowgateError } from "../../../src/core/errors.js";
import {
  deploymentConfig,
  updatePolicyFromFlags,
  type UpdatePolicyFlags,
} from "../../../src/deploy/sagemaker/update-policy.js";

describe("SageMaker update policy flags", () => {
  it("no flag means SageMaker's default update (no DeploymentConfig)", () => {
    assert.equal(updatePolicyFromFlags({ rollbackAlarm: [] }), undefined);
  });

  it("linear steps by instance count, with a baking wait and an execution timeout", () => {
    const policy = updatePolicyFromFlags({
      trafficRouting: "linear",
      linearStepSize: "2",
      waitInterval: "120",
      maxExecutionTimeout: "3600",
    });
    assert.deepEqual(deploymentConfig(policy!), {
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: {
          Type: "LINEAR",
          WaitIntervalInSeconds: 120,
          LinearStepSize: { Type: "INSTANCE_COUNT", Value: 2 },
        },
        MaximumExecutionTimeoutInSeconds: 3600,
      },
    });
  });

  it("alarms alone make an all-at-once blue/green update that rolls back when one fires", () => {
    assert.deepEqual(deploymentConfig(updatePolicyFromFlags({ rollbackAlarm: ["p99-latency"] })!), {
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: { Type: "ALL_AT_ONCE", WaitIntervalInSeconds: 0 },
      },
      AutoRollbackConfiguration: { Alarms: [{ AlarmName: "p99-latency" }] },
    });
  });

  it("a canary waits 300 s per step unless told otherwise", () => {
    const config = deploymentConfig(updatePolicyFromFlags({ trafficRouting: "canary", canarySize: "1" })!);
    assert.equal(config.BlueGreenUpdatePolicy?.TrafficRoutingConfiguration?.WaitIntervalInSeconds, 300);
  });

  const refused: [UpdatePolicyFlags, RegExp][] = [
    [{ trafficRouting: "gradual" }, /--traffic-routing must be all-at-once, canary or linear, not 'gradual'/],
    [{ trafficRouting: "canary" }, /canary needs --canary-size/],
    [{ trafficRouting: "linear" }, /linear needs --linear-step-size/],
    [{ trafficRouting: "canary", canarySize: "150%" }, /--canary-size must be .* percentage 1-100%/],
    [{ trafficRouting: "canary", canarySize: "0" }, /--canary-size must be a number of instances/],
    [
      { trafficRouting: "linear", canarySize: "10%" },
      /--canary-size applies only to --traffic-routing canary/,
    ],
    [
      { trafficRouting: "canary", canarySize: "10%", waitInterval: "7200" },
      /--wait-interval .* from 0 to 3600/,
    ],
    [{ maxExecutionTimeout: "60" }, /--max-execution-timeout .* from 600 to 28800/],
    [{ rollbackAlarm: [""] }, /--rollback-alarm '' is not a CloudWatch alarm name/],
  ];
  for (const [flags, message] of refused) {
    it(`refuses ${JSON.stringify(flags)}`, () => {
      assert.throws(
        () => updatePolicyFromFlags(flags),
        (e: FlowgateError) => e.code === "INVALID_PARAMETER_VALUE" && message.test(e.message),
      );
    });
  }
});
