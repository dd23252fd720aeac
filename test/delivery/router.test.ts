// Request routing from a snapshot: deterministic, sticky by the configured key, shares close to the weights,
// weight-0 routes never answer, the preview header reaches the preview version.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { RoutingSnapshot } from "../../src/delivery/deployment.js";
import { jsonFieldOf, routeRequest, type RoutableRequest } from "../../src/delivery/router.js";

function snapshot(fields: Partial<RoutingSnapshot> = {}): RoutingSnapshot {
  return {
    deployment: "fraud",
    model: "fraud-detector",
    revision: 3,
    etag: "e3",
    routes: [
      { version: "1", weight: 90, role: "primary" },
      { version: "2", weight: 10, role: "canary" },
    ],
    warm: [],
    phase: "Progressing",
    ...fields,
  };
}

function request(fields: Partial<RoutableRequest> = {}): RoutableRequest {
  return { id: "req-1", headers: {}, query: {}, json: () => undefined, ...fields };
}

function shares(
  snap: RoutingSnapshot,
  make: (i: number) => RoutableRequest,
  n = 10_000,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const v = routeRequest(snap, make(i)).version;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return new Map([...counts].map(([v, c]) => [v, (100 * c) / n]));
}

describe("routing a request", () => {
  test("the same request id always lands on the same version", () => {
    const snap = snapshot();
    for (let i = 0; i < 200; i++) {
      const a = routeRequest(snap, request({ id: `r${i}` }));
      const b = routeRequest(snap, request({ id: `r${i}` }));
      assert.equal(a.version, b.version);
    }
  });

  test("a 90/10 split over 10k request ids is within ±2 points of its weights", () => {
    const got = shares(snapshot(), (i) => request({ id: `request-${i}` }));
    assert.ok(Math.abs((got.get("1") ?? 0) - 90) <= 2, `primary share ${got.get("1")}`);
    assert.ok(Math.abs((got.get("2") ?? 0) - 10) <= 2, `canary share ${got.get("2")}`);
  });

  test("a three-way A/B split sticky by header keeps every key on one version, shares within ±2 points", () => {
    const snap = snapshot({
      routes: [
        { version: "1", weight: 50, role: "variant" },
        { version: "2", weight: 30, role: "variant" },
        { version: "3", weight: 20, role: "variant" },
      ],
      sticky: { header: "X-User" },
    });
    const first = new Map<string, string>();
    for (let i = 0; i < 10_000; i++) {
      const user = `user-${i}`;
      first.set(user, routeRequest(snap, request({ id: `a${i}`, headers: { "x-user": user } })).version);
    }
    for (let i = 0; i < 10_000; i++) {
      const user = `user-${i}`;
      const again = routeRequest(snap, request({ id: `b${i}`, headers: { "x-user": user } }));
      assert.equal(again.version, first.get(user), `key ${user} moved`);
      assert.equal(again.key, user);
    }
    const counts = new Map<string, number>();
    for (const v of first.values()) counts.set(v, (counts.get(v) ?? 0) + 1);
    for (const [version, weight] of [
      ["1", 50],
      ["2", 30],
      ["3", 20],
    ] as const) {
      const share = (100 * (counts.get(version) ?? 0)) / 10_000;
      assert.ok(Math.abs(share - weight) <= 2, `version ${version}: ${share}% for weight ${weight}`);
    }
  });

  test("sticky by query parameter and by a JSON field of the body", () => {
    const byQuery = snapshot({ sticky: { query: "customer" } });
    const a = routeRequest(byQuery, request({ id: "x1", query: { customer: "c-42" } }));
    const b = routeRequest(byQuery, request({ id: "x2", query: { customer: "c-42" } }));
    assert.equal(a.key, "c-42");
    assert.equal(a.version, b.version);

    const byField = snapshot({ sticky: { jsonField: "account" } });
    const body = { dataframe_records: [{ account: 7, amount: 3.5 }] };
    const c = routeRequest(byField, request({ id: "y1", json: () => body }));
    assert.equal(c.key, "7");
    const d = routeRequest(byField, request({ id: "y2", json: () => ({ account: 7 }) }));
    assert.equal(d.version, c.version);
  });

  test("a JSON field is found at the top level, in the first record or row, or in a split frame", () => {
    assert.equal(jsonFieldOf({ user: "u" }, "user"), "u");
    assert.equal(jsonFieldOf({ instances: [{ user: "v" }] }, "user"), "v");
    assert.equal(jsonFieldOf({ inputs: { user: ["w", "z"] } }, "user"), "w");
    assert.equal(jsonFieldOf({ dataframe_split: { columns: ["a", "user"], data: [[1, "s"]] } }, "user"), "s");
    assert.equal(jsonFieldOf({ dataframe_records: [{ other: 1 }] }, "user"), undefined);
    assert.equal(jsonFieldOf([1, 2], "user"), undefined);
  });

  test("sticky by cookie: a browser without the cookie is given one that keeps its version", () => {
    const snap = snapshot({
      routes: [
        { version: "1", weight: 50, role: "variant" },
        { version: "2", weight: 50, role: "variant" },
      ],
      sticky: { cookie: "fg_variant" },
    });
    const firstVisit = routeRequest(snap, request({ id: "browser-9" }));
    assert.match(firstVisit.setCookie ?? "", /^fg_variant=browser-9; Path=\/; Max-Age=\d+; SameSite=Lax$/);
    for (let i = 0; i < 50; i++) {
      const next = routeRequest(
        snap,
        request({ id: `later-${i}`, headers: { cookie: "theme=dark; fg_variant=browser-9" } }),
      );
      assert.equal(next.version, firstVisit.version);
      assert.equal(next.setCookie, undefined);
    }
  });

  test("a request without its sticky key is split by its request id", () => {
    const snap = snapshot({ sticky: { header: "x-user" } });
    const got = shares(snap, (i) => request({ id: `anon-${i}` }));
    assert.ok(Math.abs((got.get("2") ?? 0) - 10) <= 2);
  });

  test("a route of weight 0 never answers", () => {
    const snap = snapshot({
      routes: [
        { version: "1", weight: 100, role: "primary" },
        { version: "2", weight: 0, role: "canary" },
      ],
    });
    const got = shares(snap, (i) => request({ id: `z${i}` }));
    assert.deepEqual([...got.keys()], ["1"]);
  });

  test("the preview header reaches the preview version; without it the live routes answer", () => {
    const snap = snapshot({
      routes: [{ version: "1", weight: 100, role: "primary" }],
      preview: { version: "4", header: "x-flowgate-preview" },
    });
    const preview = routeRequest(snap, request({ headers: { "x-flowgate-preview": "true" } }));
    assert.deepEqual([preview.version, preview.role], ["4", "preview"]);
    assert.equal(routeRequest(snap, request({ headers: { "x-flowgate-preview": "false" } })).version, "1");
    assert.equal(routeRequest(snap, request()).version, "1");
    const custom = snapshot({ preview: { version: "4", header: "x-env: green" } });
    assert.equal(routeRequest(custom, request({ headers: { "x-env": "green" } })).version, "4");
    assert.equal(routeRequest(custom, request({ headers: { "x-env": "blue" } })).role, "primary");
  });

  test("moving 10 more points to the canary moves only keys from the primary to the canary", () => {
    const before = snapshot();
    const after = snapshot({
      routes: [
        { version: "1", weight: 80, role: "primary" },
        { version: "2", weight: 20, role: "canary" },
      ],
    });
    for (let i = 0; i < 2000; i++) {
      const r = request({ id: `k${i}` });
      if (routeRequest(before, r).version === "2") assert.equal(routeRequest(after, r).version, "2");
    }
  });
});
