// Who may do what with monitoring's alert rules, alerts and gauges when auth is on: a model-scoped ML engineer
// creates rules on their model only, a reader creates none, listings show only rules of readable models,
// deleting (named by rule id only) needs the permission globally, and the server's /metrics needs a login.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call } from "../support/test-server.js";
import { adminHeaders } from "./auth-support.js";
import { NATIVE, ok, scopedWorld, type ScopedWorld } from "./scoped-world.js";

const RULES = `${NATIVE}/monitoring/alert-rules`;
const rule = (model: string) => ({ model, kind: "error_rate", threshold: 0.01 });

describe("monitoring permissions", () => {
  let w: ScopedWorld;
  before(async () => {
    w = await scopedWorld(BACKENDS[0]!);
  });
  after(() => w.server.close());

  it("lets a model-scoped ML engineer create rules on that model only, and a reader none", async () => {
    const mine = await ok(w.server, "POST", RULES, rule(w.a.model), w.mo);
    assert.equal(mine.rule.model, w.a.model);
    assert.equal((await call(w.server, "POST", RULES, rule(w.b.model), w.mo)).status, 403);
    assert.equal((await call(w.server, "POST", RULES, rule(w.a.model), w.rita)).status, 403);
    assert.equal((await call(w.server, "POST", `${RULES}/preset`, { model: w.b.model }, w.mo)).status, 403);
    await ok(w.server, "POST", RULES, rule(w.b.model));
    const seen = await ok(w.server, "GET", RULES, {}, w.rita);
    assert.deepEqual(
      (seen.rules as { model: string }[]).map((r) => r.model),
      [w.a.model],
      "model-b's rule is not listed",
    );
    assert.equal(
      (await call(w.server, "DELETE", `${RULES}/${mine.rule.id as string}`, {}, w.mo)).status,
      403,
    );
    await ok(w.server, "DELETE", `${RULES}/${mine.rule.id as string}`, {}, adminHeaders);
  });

  it("serves /metrics to a login only", async () => {
    assert.equal((await fetch(`${w.server.url}/metrics`)).status, 401);
    const res = await fetch(`${w.server.url}/metrics`, { headers: w.rita });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /# TYPE flowgate_alerts_firing gauge/);
  });
});
