// Load for serving processes, recording every request: when it was sent, its status (0 when the connection
// failed), the X-Flowgate-Version that answered and how long it took. Two shapes: open-loop at a steady rate (a
// request leaves every 1/rate s whether or not earlier ones have been answered, as real traffic does — a
// closed loop would slow down exactly when serving struggles and hide the failures), and closed-loop saturation
// (`connections` clients each sending the next request when the last is answered) to measure throughput.
import { Pool } from "undici";

export interface LoadRequest {
  /** Index into `targets` (default: round-robin over them). */
  target?: number;
  body: string;
  headers?: Record<string, string>;
  /** Anything the test wants to find again in the record (a sticky key, the input). */
  tag?: string;
}

export interface LoadRecord {
  seq: number;
  target: number;
  tag?: string;
  /** ms since the load started. */
  sentAt: number;
  latencyMs: number;
  /** HTTP status, or 0 when no answer came (refused, reset, timed out). */
  status: number;
  /** X-Flowgate-Version of the answer. */
  version?: string;
  /** The answer's text, when `keepBodies`, or the transport error. */
  text?: string;
}

export interface LoadOptions {
  /** Base URLs of the serving processes, e.g. http://127.0.0.1:5001. */
  targets: string[];
  /** Default /invocations. */
  path?: string;
  /** The request number `seq` (0, 1, …). */
  request: (seq: number) => LoadRequest;
  keepBodies?: boolean;
  /** Per request (default 30 s): an answer later than this counts as failed (status 0). */
  timeoutMs?: number;
}

const JSON_HEADERS = { "content-type": "application/json" };

function pools(targets: string[], connections: number): Pool[] {
  return targets.map(
    (url) =>
      new Pool(url, {
        connections,
        pipelining: 1,
        headersTimeout: 0,
        bodyTimeout: 0,
        connect: { timeout: 5000 },
      }),
  );
}

async function send(
  pool: Pool,
  options: LoadOptions,
  seq: number,
  target: number,
  req: LoadRequest,
  started: number,
): Promise<LoadRecord> {
  const sentAt = performance.now();
  const record: LoadRecord = { seq, target, tag: req.tag, sentAt: sentAt - started, latencyMs: 0, status: 0 };
  try {
    const r = await pool.request({
      path: options.path ?? "/invocations",
      method: "POST",
      headers: { ...JSON_HEADERS, ...req.headers },
      body: req.body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const text = await r.body.text();
    record.status = r.statusCode;
    const version = r.headers["x-flowgate-version"];
    if (version !== undefined) record.version = String(version);
    if (options.keepBodies || r.statusCode !== 200) record.text = text;
  } catch (err) {
    record.text = String(err);
  }
  record.latencyMs = performance.now() - sentAt;
  return record;
}

export interface OpenLoad {
  /** Records of the requests answered so far (in the order answered). */
  records: LoadRecord[];
  /** Requests sent so far. */
  sent(): number;
  /** performance.now() when the load started: a record's `sentAt` counts from here. */
  startedAt: number;
  /** Stops sending, waits for every request in flight, and returns every record ordered by seq. */
  stop(): Promise<LoadRecord[]>;
}

/** Open-loop load at `rate` requests per second until stopped (or until `total` requests were sent). */
export function startOpenLoad(
  options: LoadOptions & { rate: number; connections?: number; total?: number },
): OpenLoad {
  const targetPools = pools(options.targets, options.connections ?? 64);
  const records: LoadRecord[] = [];
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  let seq = 0;
  // A 5 ms tick sends every request that has come due, so the rate holds even when timers run late.
  const timer = setInterval(() => {
    const due = Math.min(
      Math.floor(((performance.now() - started) / 1000) * options.rate),
      options.total ?? Infinity,
    );
    for (; seq < due; seq++) {
      const req = options.request(seq);
      const target = req.target ?? seq % targetPools.length;
      const p = send(targetPools[target] as Pool, options, seq, target, req, started).then((r) => {
        records.push(r);
        inFlight.delete(p);
      });
      inFlight.add(p);
    }
  }, 5);
  return {
    records,
    sent: () => seq,
    startedAt: started,
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      await Promise.all(targetPools.map((p) => p.close()));
      return [...records].sort((a, b) => a.seq - b.seq);
    },
  };
}

/** Open-loop load at `rate` for `seconds`, or until `total` requests were sent. */
export async function runOpenLoad(
  options: LoadOptions & { rate: number; connections?: number } & ({ seconds: number } | { total: number }),
): Promise<LoadRecord[]> {
  const load = startOpenLoad(options);
  if ("seconds" in options) await sleep(options.seconds * 1000);
  else while (load.sent() < options.total) await sleep(10);
  return load.stop();
}

/** Closed-loop load: `connections` clients in all, each sending its next request when the last returns, until
 * `total` were sent. For checks about what answered, not how fast: it goes as fast as the machine allows. */
export async function runClosedLoad(
  options: LoadOptions & { connections: number; total: number },
): Promise<LoadRecord[]> {
  const targetPools = pools(options.targets, options.connections);
  const records: LoadRecord[] = [];
  const started = performance.now();
  let seq = 0;
  const client = async (): Promise<void> => {
    while (seq < options.total) {
      const mine = seq++;
      const req = options.request(mine);
      const target = req.target ?? mine % targetPools.length;
      records.push(await send(targetPools[target] as Pool, options, mine, target, req, started));
    }
  };
  await Promise.all(Array.from({ length: options.connections }, client));
  await Promise.all(targetPools.map((p) => p.close()));
  return records.sort((a, b) => a.seq - b.seq);
}

export interface SaturationResult {
  seconds: number;
  requests: number;
  /** Answers other than 200, and requests with no answer. */
  errors: number;
  reqPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers per X-Flowgate-Version. */
  versions: Record<string, number>;
}

/** Closed-loop load: `connections` clients per target, each sending its next request when the last returns. */
export async function saturate(
  options: LoadOptions & { connections: number; seconds: number },
): Promise<SaturationResult> {
  const targetPools = pools(options.targets, options.connections);
  const latencies: number[] = [];
  const versions: Record<string, number> = {};
  let errors = 0;
  let seq = 0;
  const started = performance.now();
  const end = started + options.seconds * 1000;
  const client = async (target: number): Promise<void> => {
    while (performance.now() < end) {
      const r = await send(
        targetPools[target] as Pool,
        options,
        seq,
        target,
        options.request(seq++),
        started,
      );
      if (r.status !== 200) errors++;
      else latencies.push(r.latencyMs);
      if (r.version !== undefined) versions[r.version] = (versions[r.version] ?? 0) + 1;
    }
  };
  await Promise.all(
    targetPools.flatMap((_p, target) => Array.from({ length: options.connections }, () => client(target))),
  );
  const elapsed = (performance.now() - started) / 1000;
  await Promise.all(targetPools.map((p) => p.close()));
  latencies.sort((a, b) => a - b);
  return {
    seconds: round(elapsed),
    requests: latencies.length + errors,
    errors,
    reqPerS: round(latencies.length / elapsed, 1),
    p50Ms: round(percentile(latencies, 0.5)),
    p99Ms: round(percentile(latencies, 0.99)),
    versions,
  };
}

/** The p-quantile of ascending `sorted` (NaN when empty). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function round(n: number, digits = 3): number {
  return Number(n.toFixed(digits));
}
