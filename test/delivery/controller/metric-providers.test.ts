// The metric providers: serving observations summed over replicas (through the real store, on both engines),
// and Prometheus and web checks against a real HTTP server answering Prometheus' JSON.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { BACKENDS } from "../../support/backends.js";
import { openDatabase, type Database } from "../../../src/store/database.js";
import { createSqlDeploymentStore } from "../../../src/delivery/sql-deployment-store.js";
import type { ObservationWindow, VersionWindow } from "../../../src/delivery/observation.js";
import type { MetricProvider } from "../../../src/delivery/deployment.js";
import type { MetricContext, MetricSource } from "../../../src/delivery/controller/metric-source.js";
import { createProviderMetricSource } from "../../../src/delivery/controller/provider-metric-source.js";

const ctx: MetricContext = {
  deployment: "fraud",
  model: "fraud-detector",
  primary: "1",
  canary: "2",
  fromMs: 10_000,
  toMs: 20_000,
};

function version(
  v: string,
  requests: number,
  errors: number,
  extra: Partial<VersionWindow> = {},
): VersionWindow {
  return {
    version: v,
    role: v === "1" ? "primary" : "canary",
    requests,
    errors,
    latencyMs: { p50: 10, p99: 50, max: 80 },
    predictions: { labels: {}, numericCount: 0, numericSum: 0 },
    ...extra,
  };
}

function window(
  replica: string,
  endedAt: number,
  versions: VersionWindow[],
  shadow?: ObservationWindow["shadow"],
) {
  return {
    deployment: "fraud",
    replica,
    revision: 1,
    startedAt: endedAt - 1000,
    endedAt,
    versions,
    ...(shadow !== undefined ? { shadow } : {}),
  };
}

for (const backend of BACKENDS) {
  describe(`the serving metric provider (${backend.name})`, () => {
    let database: Database;
    let source: MetricSource;
    const store = createSqlDeploymentStore();
    before(async () => {
      database = await openDatabase(await backend.freshUri());
      source = createProviderMetricSource({ database, store });
      const w = (win: ObservationWindow) => store.insertObservation(database.db, win, 0);
      // Two replicas; the canary's errors are 5% over both (3 of 40 on one, 2 of 60 on the other).
      await w(
        window("a:1", 12_000, [
          version("1", 400, 0, {
            predictions: { labels: { fraud: 40, ok: 360 }, numericCount: 0, numericSum: 0 },
          }),
          version("2", 40, 3, {
            latencyMs: { p50: 12, p99: 90, max: 120 },
            predictions: { labels: { fraud: 8, ok: 32 }, numericCount: 0, numericSum: 0 },
          }),
        ]),
      );
      await w(
        window(
          "b:2",
          15_000,
          [
            version("1", 600, 1, {
              predictions: { labels: { fraud: 60, ok: 540 }, numericCount: 0, numericSum: 0 },
            }),
            version("2", 60, 2, {
              latencyMs: { p50: 20, p99: 70, max: 75 },
              predictions: { labels: { fraud: 12, ok: 48 }, numericCount: 0, numericSum: 0 },
            }),
          ],
          {
            version: "3",
            requests: 90,
            dropped: 0,
            errors: 0,
            latencyMs: { p50: 1, p99: 2, max: 3 },
            compared: 80,
            agreed: 72,
            meanAbsDiff: 0,
            maxAbsDiff: 0,
          },
        ),
      );
      // Outside the interval: not counted.
      await w(window("a:1", 25_000, [version("2", 1000, 1000)]));
    });
    after(async () => database.close());

    const serving = (metric: string, of?: "canary" | "primary"): MetricProvider =>
      ({ serving: { metric, ...(of !== undefined ? { of } : {}) } }) as MetricProvider;

    it("answers the canary's error rate as errors over requests summed over every replica", async () => {
      assert.deepEqual(await source.measure(serving("error_rate"), ctx), { value: 5 / 100 });
      assert.deepEqual(await source.measure(serving("error_rate", "primary"), ctx), { value: 1 / 1000 });
    });

    it("answers latency as the worst replica's window percentile", async () => {
      assert.deepEqual(await source.measure(serving("p99_latency_ms"), ctx), { value: 90 });
      assert.deepEqual(await source.measure(serving("p50_latency_ms"), ctx), { value: 20 });
    });

    it("answers the request rate per second over the interval", async () => {
      assert.deepEqual(await source.measure(serving("request_rate"), ctx), { value: 100 / 10 });
    });

    it("answers divergence as the total variation distance between the canary's and the primary's labels", async () => {
      // canary: 20% fraud; primary: 10% fraud → TVD = (|0.2-0.1| + |0.8-0.9|) / 2 = 0.1.
      const r = await source.measure(serving("divergence"), ctx);
      assert.ok("value" in r);
      assert.ok(Math.abs(r.value - 0.1) < 1e-12);
    });

    it("answers shadow agreement as agreed over compared", async () => {
      assert.deepEqual(await source.measure(serving("shadow_agreement"), ctx), { value: 72 / 80 });
    });

    it("answers no data when nobody called the version in the interval", async () => {
      const r = await source.measure(serving("error_rate"), { ...ctx, fromMs: 30_000, toMs: 40_000 });
      assert.deepEqual(r, { noData: "no request reached canary version 2 in the interval" });
      const shadow = await source.measure(serving("shadow_agreement"), {
        ...ctx,
        fromMs: 30_000,
        toMs: 40_000,
      });
      assert.ok("noData" in shadow);
    });
  });
}

describe("the serving divergence of numeric outputs", () => {
  it("is the absolute difference of the two versions' mean predictions", async () => {
    const { servingReading } = await import("../../../src/delivery/controller/serving-metric.js");
    const windows = [
      window("a", 15_000, [
        version("1", 10, 0, { predictions: { labels: {}, numericCount: 10, numericSum: 50 } }),
        version("2", 4, 0, { predictions: { labels: {}, numericCount: 4, numericSum: 26 } }),
      ]),
    ];
    assert.deepEqual(servingReading(windows, { metric: "divergence" }, ctx), { value: 1.5 });
  });
});

/** A real HTTP server answering what `answer` says for each request, on a loopback port. */
async function serve(answer: (url: URL, req: http.IncomingMessage) => { status?: number; body: unknown }) {
  const seen: URL[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    seen.push(url);
    const a = answer(url, req);
    res.writeHead(a.status ?? 200, { "content-type": "application/json" });
    res.end(typeof a.body === "string" ? a.body : JSON.stringify(a.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    address: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const vector = (...values: string[]) => ({
  status: "success",
  data: { resultType: "vector", result: values.map((v) => ({ metric: {}, value: [1700000000.5, v] })) },
});

describe("the prometheus metric provider", () => {
  const source = createProviderMetricSource({ database: undefined as never, store: undefined as never });
  let prom: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    prom = await serve((url) => {
      if (url.pathname !== "/api/v1/query") return { status: 404, body: "not found" };
      const q = url.searchParams.get("query") ?? "";
      if (q.startsWith("scalar"))
        return { body: { status: "success", data: { resultType: "scalar", result: [1, "0.25"] } } };
      if (q.startsWith("empty")) return { body: vector() };
      if (q.startsWith("two")) return { body: vector("1", "2") };
      if (q.startsWith("nan")) return { body: vector("NaN") };
      if (q.startsWith("bad"))
        return {
          status: 400,
          body: { status: "error", errorType: "bad_data", error: "parse error at char 4" },
        };
      return { body: vector("0.042") };
    });
  });
  after(async () => prom.close());

  const query = (q: string, address = prom.address): MetricProvider => ({
    prometheus: { address, query: q },
  });

  it("substitutes the placeholders into the query and reads a one-series vector as the number", async () => {
    const r = await source.measure(
      query(
        'sum(rate(errors{deployment="{{deployment}}",version="{{canary}}",model="{{model}}"}[1m])) / on() {{primary}}',
      ),
      ctx,
    );
    assert.deepEqual(r, { value: 0.042 });
    const sent = prom.seen.at(-1)!;
    assert.equal(
      sent.searchParams.get("query"),
      'sum(rate(errors{deployment="fraud",version="2",model="fraud-detector"}[1m])) / on() 1',
    );
    assert.equal(sent.searchParams.get("time"), "20");
  });

  it("reads a scalar answer", async () => {
    assert.deepEqual(await source.measure(query("scalar(x)"), ctx), { value: 0.25 });
  });

  it("takes an empty vector or NaN as no data", async () => {
    assert.deepEqual(await source.measure(query("empty"), ctx), {
      noData: "the query answered an empty vector",
    });
    assert.ok("noData" in (await source.measure(query("nan"), ctx)));
  });

  it("takes an HTTP error, several series or an unreachable server as an Error", async () => {
    const bad = await source.measure(query("bad{"), ctx);
    assert.ok("error" in bad && /HTTP 400/.test(bad.error), JSON.stringify(bad));
    const two = await source.measure(query("two"), ctx);
    assert.ok("error" in two && /2 series; aggregate it to one/.test(two.error));
    const closed = await serve(() => ({ body: {} }));
    await closed.close();
    const down = await source.measure(query("x", closed.address), ctx);
    assert.ok("error" in down && /ECONNREFUSED/.test(down.error), JSON.stringify(down));
  });

  it("refuses {{canary}} when the deployment has no version under test", async () => {
    const r = await source.measure(query("x{v='{{canary}}'}"), { ...ctx, canary: undefined });
    assert.ok("error" in r && /no version under test/.test(r.error));
  });
});

describe("the web metric provider", () => {
  const source = createProviderMetricSource({ database: undefined as never, store: undefined as never });
  let web: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    web = await serve((url, req) => {
      if (url.pathname === "/check/2")
        return { body: { data: { items: [{ score: "0.93" }], auth: req.headers.authorization } } };
      if (url.pathname === "/plain") return { body: 7 };
      if (url.pathname === "/down") return { status: 503, body: "maintenance" };
      return { body: { data: {} } };
    });
  });
  after(async () => web.close());

  it("picks the number at jsonPath, with the placeholders in the URL and the headers sent", async () => {
    const r = await source.measure(
      {
        web: {
          url: `${web.address}/check/{{canary}}`,
          jsonPath: "$.data.items[0].score",
          headers: { authorization: "Bearer t" },
        },
      },
      ctx,
    );
    assert.deepEqual(r, { value: 0.93 });
    assert.deepEqual(await source.measure({ web: { url: `${web.address}/plain` } }, ctx), { value: 7 });
  });

  it("answers no data for a missing value and an Error for an HTTP failure", async () => {
    const missing = await source.measure(
      { web: { url: `${web.address}/other`, jsonPath: "$.data.value" } },
      ctx,
    );
    assert.deepEqual(missing, { noData: "the answer has no value at $.data.value" });
    const down = await source.measure({ web: { url: `${web.address}/down` } }, ctx);
    assert.ok("error" in down && /HTTP 503: maintenance/.test(down.error));
  });
});
