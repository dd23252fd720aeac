// A real load balancer in front of several Flowgate servers: Debian's haproxy on a free loopback port,
// round-robin with active health checks on /health, so a killed server leaves the rotation within a second.
// Stopped after the file's tests.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after } from "node:test";
import { freePort } from "./free-port.js";

export const HAPROXY = ["/usr/sbin/haproxy", "/usr/bin/haproxy"].find((p) => existsSync(p)) ?? "haproxy";

export interface Haproxy {
  /** http://127.0.0.1:<port>: what clients use instead of any one server. */
  url: string;
  stop(): Promise<void>;
}

const running: ChildProcess[] = [];
after(() => {
  for (const child of running) child.kill("SIGKILL");
});

/** Balances over `backends` (base URLs such as http://127.0.0.1:5001); ready once it accepts a request. */
export async function startHaproxy(backends: string[]): Promise<Haproxy> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "flowgate-haproxy-"));
  const config = path.join(dir, "haproxy.cfg");
  const servers = backends.map((url, i) => {
    const { host, port: p } = new URL(url);
    // inter 250 fall 2: a dead server is out of the rotation within ~0.5 s; rise 1 brings a restarted one back.
    return `  server s${i} ${host.replace(/:\d+$/, "")}:${p} check inter 250 fall 2 rise 1`;
  });
  writeFileSync(
    config,
    [
      "global",
      "  maxconn 4096",
      "defaults",
      "  mode http",
      "  timeout connect 2s",
      "  timeout client 60s",
      "  timeout server 60s",
      // A request whose connection was refused goes to another server. Nothing is retried once sent: a
      // write the dead server may have committed must reach the client as a failure, never run twice.
      "  retries 3",
      "  option redispatch",
      "  retry-on conn-failure",
      "frontend fe",
      `  bind 127.0.0.1:${port}`,
      "  default_backend flowgate",
      "backend flowgate",
      "  balance roundrobin",
      // HTTP/1.1 with a Host header: Flowgate refuses requests for host names it does not serve.
      "  option httpchk",
      "  http-check send meth GET uri /health ver HTTP/1.1 hdr Host 127.0.0.1",
      ...servers,
      "",
    ].join("\n"),
  );
  const child = spawn(HAPROXY, ["-db", "-f", config], { stdio: ["ignore", "ignore", "pipe"] });
  running.push(child);
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4096)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}): ${stderr}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`haproxy did not start on ${url}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
