// Runs `flowgate <args>` from source in a child process, as a user would from a terminal, against a test server
// (MLFLOW_TRACKING_URI) with any extra environment (credentials).
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { TestServer } from "./test-server.js";

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.ts");

export async function runFlowgate(
  server: TestServer,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; code: number; stderr: string }> {
  const script = `const { main } = await import(${JSON.stringify(MAIN)}); await main([process.argv[0], "flowgate", ...process.argv.slice(1)]);`;
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script, ...args],
      { env: { ...process.env, MLFLOW_TRACKING_URI: server.url, ...env } },
    );
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}
