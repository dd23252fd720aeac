// Serving's link to the control plane, against a real Flowgate server: the routing watch gets the current
// snapshot at once and a new revision while its long-poll is open, and says since when the server is
// unreachable; the reporter's windows reach the deployment's metrics, and while the server is down they wait in
// a bounded buffer, oldest dropped first.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createLogger } from "../../src/core/logger.js";
import type { RoutingSnapshot } from "../../src/delivery/deployment.js";
import type { ObservationWindow } from "../../src/delivery/observation.js";
import { ObservationReporter } from "../../src/serving/observations.js";
import { RevisionWatch } from "../../src/serving/revision-watch.js";
import { modelWithVersions } from "../registry/registry-fixtures.js";
import { BACKENDS } from "../support/backends.js";
import { freePort } from "../support/free-port.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";

const API = "/api/flowgate/v1/deployments";
const logger = createLogger({ level: "silent" });

/** Collects snapshots and lets a test wait for the next one matching a condition. */
function collector(): {
  seen: RoutingSnapshot[];
  onSnapshot: (s: RoutingSnapshot) => void;
  next: (match: (s: RoutingSnapshot) => boolean) => Promise<RoutingSnapshot>;
} {
  const seen: RoutingSnapshot[] = [];
  const waiters: { match: (s: RoutingSnapshot) => boolean; resolve: (s: RoutingSnapshot) => void }[] = [];
  return {
    seen,
    onSnapshot: (s) => {
      seen.push(s);
      for (const w of waiters.filter((x) => x.match(s))) w.resolve(s);
    },
    next: (match) => {
      const found = seen.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}

function windowOf(deployment: string, version: string, endedAt: number): ObservationWindow {
  return {
    deployment,
    replica: "test:1/1",
    revision: 1,
    startedAt: endedAt - 1000,
    endedAt,
    versions: [
      {
        version,
        role: "primary",
        requests: 50,
        errors: 1,
        latencyMs: { p50: 2, p99: 9, max: 12 },
        predictions: { labels: { "0": 50 }, numericCount: 50, numericSum: 0 },
      },
    ],
  };
}

describe("serving's link to the control plane", () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer(BACKENDS[0] as (typeof BACKENDS)[number]);
    await modelWithVersions(server, "watched", 3);
    const created = await call(server, "POST", API, {
      spec: { name: "watched", model: "watched", primary: "1" },
      reason: "first serving of the watched model",
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
  });
  after(async () => server.close());

  test("the watch gets the current snapshot at once and the next revision while its long-poll is open", async () => {
    const c = collector();
    const watch = new RevisionWatch({
      trackingUri: server.url,
      deployment: "watched",
      authorization: undefined,
      logger,
      waitSeconds: 25,
      onSnapshot: c.onSnapshot,
    });
    watch.start();
    try {
      const first = await c.next(() => true);
      assert.deepEqual(first.routes, [{ version: "1", weight: 100, role: "primary" }]);
      await watch.firstAttempt;
      assert.equal(watch.status.reachable, true);

      // The watch is now parked in a 25 s long-poll; the change must wake it, not its next poll.
      const sent = Date.now();
      const updated = await call(server, "PUT", `${API}/watched`, {
        spec: { name: "watched", model: "watched", primary: "2" },
        reason: "ship version 2",
      });
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      const second = await c.next((s) => s.routes.some((r) => r.version === "2" && r.weight === 100));
      assert.ok(Date.now() - sent < 25_000, "the change arrived before the long-poll would have timed out");
      assert.ok(second.revision > first.revision);
      assert.notEqual(second.etag, first.etag);
      assert.equal(
        c.seen.filter((s) => s.etag === first.etag).length,
        1,
        "an unchanged snapshot is not resent",
      );
    } finally {
      await watch.stop();
    }
  });

  test("a deployment the server does not know is a failure the status names, retried every second", async () => {
    const watch = new RevisionWatch({
      trackingUri: server.url,
      deployment: "no-such-deployment",
      authorization: undefined,
      logger,
      onSnapshot: () => assert.fail("no snapshot for a missing deployment"),
    });
    watch.start();
    try {
      await watch.firstAttempt;
      assert.equal(watch.status.reachable, false);
      assert.match(watch.status.lastError ?? "", /HTTP 404/);
      assert.equal(typeof watch.status.unreachableSince, "number");
    } finally {
      await watch.stop();
    }
  });

  test("an unreachable server: the status says since when", async () => {
    const watch = new RevisionWatch({
      trackingUri: `http://127.0.0.1:${await freePort()}`,
      deployment: "watched",
      authorization: undefined,
      logger,
      onSnapshot: () => assert.fail("nothing answers there"),
    });
    const before_ = Date.now();
    watch.start();
    try {
      await watch.firstAttempt;
      assert.equal(watch.status.reachable, false);
      assert.ok((watch.status.unreachableSince ?? 0) >= before_);
    } finally {
      await watch.stop();
    }
  });

  test("reported windows reach the deployment's metrics", async () => {
    const now = Date.now();
    const windows = [windowOf("watched", "2", now - 1000), windowOf("watched", "2", now)];
    const reporter = new ObservationReporter({
      trackingUri: server.url,
      deployment: "watched",
      authorization: undefined,
      intervalMs: 60_000,
      takeWindow: () => windows.shift(),
      logger,
    });
    await reporter.tick();
    await reporter.tick();
    assert.equal(reporter.buffered, 0);
    const metrics = await call(server, "GET", `${API}/watched/metrics`, { since: now - 60_000, step: 60 });
    assert.equal(metrics.status, 200, JSON.stringify(metrics.body));
    const series = (
      metrics.body.series as { version: string; points: { requests: number; errors: number }[] }[]
    )
      .filter((s) => s.version === "2")
      .flatMap((s) => s.points);
    assert.equal(
      series.reduce((sum, p) => sum + p.requests, 0),
      100,
    );
    assert.equal(
      series.reduce((sum, p) => sum + p.errors, 0),
      2,
    );
  });

  test("while the server is down, windows wait in a bounded buffer and the oldest are dropped", async () => {
    let n = 0;
    const reporter = new ObservationReporter({
      trackingUri: `http://127.0.0.1:${await freePort()}`,
      deployment: "watched",
      authorization: undefined,
      intervalMs: 60_000,
      takeWindow: () => windowOf("watched", "1", ++n),
      logger,
      maxBuffered: 3,
    });
    for (let i = 0; i < 5; i++) await reporter.tick();
    assert.equal(reporter.buffered, 3);
    assert.equal(reporter.dropped, 2);
  });
});
