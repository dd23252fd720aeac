// A server started as a child process for a test file (redis-server, nats-server): spawned with its data in a
// temp dir, ready once it logs its ready line, killed when the test process exits if no hook stopped it.
// (An `after` hook here would run before the test file's own, killing the server under its clients.)
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export interface Daemon {
  /** Stops the server (SIGTERM, waits for its exit) and removes its temp dir. */
  stop(): Promise<void>;
}

const running: ChildProcess[] = [];
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export async function startDaemon(
  command: string,
  args: (dir: string) => string[],
  readyLine: string,
): Promise<Daemon> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `flowgate-${path.basename(command)}-`));
  const child = spawn(command, args(dir), { stdio: ["ignore", "pipe", "pipe"] });
  running.push(child);
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start: ${output}`)), 30_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes(readyLine)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}): ${output}`));
    });
  });
  return {
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
