import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.ts");

/** Runs `flowgate <args>` from source in `cwd`; a server that starts after all is stopped after 20 s. */
async function flowgate(cwd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  const script = `const { main } = await import(${JSON.stringify(MAIN)}); await main([process.argv[0], "flowgate", ...process.argv.slice(1)]);`;
  try {
    const { stderr } = await promisify(execFile)(
      process.execPath,
      ["--import", import.meta.resolve("tsx"), "--input-type=module", "-e", script, ...args],
      { cwd, timeout: 20_000 },
    );
    return { code: 0, stderr };
  } catch (err) {
    const e = err as { code: number | null; stderr: string };
    return { code: e.code ?? -1, stderr: e.stderr };
  }
}

describe("flowgate server (CLI)", () => {
  it("refuses to start with an artifacts destination it cannot store to, in one line, creating nothing", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "flowgate-cli-"));
    const res = await flowgate(cwd, [
      "server",
      "--artifacts-destination",
      "gs://bucket/prefix",
      "--backend-store-uri",
      `sqlite:///${path.join(cwd, "flowgate.db")}`,
      "--port",
      "0",
    ]);
    assert.equal(res.code, 2, res.stderr);
    assert.match(
      res.stderr,
      /^flowgate: INVALID_PARAMETER_VALUE: Invalid --artifacts-destination 'gs:\/\/bucket\/prefix'.*or s3:\/\/bucket\/prefix\.\n$/,
    );
    assert.equal(existsSync(path.join(cwd, "gs:")), false);
    assert.deepEqual(readdirSync(cwd), []);
  });
});
