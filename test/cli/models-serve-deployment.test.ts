// `flowgate models serve --deployment`: which flags go together, said in one line before anything starts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runFlowgate } from "../support/cli.js";
import type { TestServer } from "../support/test-server.js";

/** No server is needed to refuse flags; MLFLOW_TRACKING_URI is what each case sets. */
const nowhere = { url: "" } as TestServer;

function refusal(stderr: string): string {
  const lines = stderr.split("\n").filter((l) => l.trim() !== "" && !l.includes("FastifyDeprecation"));
  assert.equal(lines.length, 1, `one line on stderr, got:\n${stderr}`);
  return lines[0] as string;
}

describe("flowgate models serve --deployment (CLI)", () => {
  it("takes either a model URI or a deployment, not both and not neither", async () => {
    for (const args of [["-m", "models:/iris/1", "--deployment", "iris"], []]) {
      const res = await runFlowgate(nowhere, ["models", "serve", ...args], {
        MLFLOW_TRACKING_URI: "http://127.0.0.1:1",
      });
      assert.notEqual(res.code, 0);
      assert.match(
        refusal(res.stderr),
        /Pass either -m\/--model-uri <uri> \(one model\) or --deployment <name>/,
      );
    }
  });

  it("needs the server that holds the deployment", async () => {
    const res = await runFlowgate(nowhere, ["models", "serve", "--deployment", "iris"], {
      MLFLOW_TRACKING_URI: "",
    });
    assert.notEqual(res.code, 0);
    assert.match(
      refusal(res.stderr),
      /--deployment needs the Flowgate server that holds it: pass --tracking-uri/,
    );
  });

  it("refuses a report interval that is not a positive number of seconds", async () => {
    const res = await runFlowgate(
      nowhere,
      ["models", "serve", "--deployment", "iris", "--report-interval", "0"],
      { MLFLOW_TRACKING_URI: "http://127.0.0.1:1" },
    );
    assert.notEqual(res.code, 0);
    assert.match(refusal(res.stderr), /--report-interval must be a positive number of seconds, not '0'/);
  });
});
