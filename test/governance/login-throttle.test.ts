import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createLoginThrottle } from "../../src/governance/auth/login-throttle.js";

function manualClock(): { now(): number; advance(ms: number): void } {
  let t = 1_800_000_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

const victim = { address: "203.0.113.7", username: "alice" };

describe("login throttle", () => {
  it("locks a user name from one address after five failures, and the lock doubles with each further one", () => {
    const clock = manualClock();
    const throttle = createLoginThrottle(clock);
    for (let i = 0; i < 4; i++) throttle.failed(victim);
    assert.equal(throttle.refusal(victim), undefined);
    throttle.failed(victim);
    assert.equal(throttle.refusal(victim)?.retryAfterMs, 1000);
    clock.advance(1000);
    throttle.failed(victim);
    assert.equal(throttle.refusal(victim)?.retryAfterMs, 2000);
    assert.match(throttle.refusal(victim)?.reason ?? "", /'alice'/);
  });

  it("a flood of other names from other addresses cannot evict a locked bucket", () => {
    const clock = manualClock();
    const throttle = createLoginThrottle(clock);
    for (let i = 0; i < 8; i++) throttle.failed(victim);
    const before = throttle.refusal(victim)?.retryAfterMs ?? 0;
    assert.ok(before > 0);
    // More distinct (address, name) pairs than any table holds, one failure each.
    for (let i = 0; i < 10_050; i++) {
      throttle.failed({ address: `198.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, username: `u${i}` });
    }
    assert.equal(throttle.refusal(victim)?.retryAfterMs, before);
  });

  it("keeps a victim's failures short of a lock through a flood, so it cannot be flushed back to zero", () => {
    const clock = manualClock();
    const throttle = createLoginThrottle(clock);
    for (let i = 0; i < 4; i++) throttle.failed(victim);
    for (let i = 0; i < 10_050; i++) {
      throttle.failed({ address: `198.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, username: `u${i}` });
    }
    throttle.failed(victim);
    assert.ok((throttle.refusal(victim)?.retryAfterMs ?? 0) > 0, "the fifth failure still locks");
  });

  it("locks an address that tries many names (password spraying), for every name", () => {
    const throttle = createLoginThrottle(manualClock());
    for (let i = 0; i < 50; i++) throttle.failed({ address: "192.0.2.9", username: `name-${i}` });
    const refusal = throttle.refusal({ address: "192.0.2.9", username: "someone-new" });
    assert.ok(refusal !== undefined && refusal.retryAfterMs > 0);
    assert.match(refusal.reason, /from this address/);
    assert.equal(throttle.refusal({ address: "192.0.2.10", username: "someone-new" }), undefined);
  });

  it("counts the addresses of one IPv6 /64 and an IPv4-mapped address as the same client", () => {
    const throttle = createLoginThrottle(manualClock());
    for (let i = 0; i < 5; i++) throttle.failed({ address: `2001:db8:1:2::${i + 1}`, username: "bob" });
    assert.ok(throttle.refusal({ address: "2001:db8:1:2:ffff::9", username: "bob" }) !== undefined);
    for (let i = 0; i < 5; i++) throttle.failed({ address: "::ffff:192.0.2.44", username: "carol" });
    assert.ok(throttle.refusal({ address: "192.0.2.44", username: "carol" }) !== undefined);
  });

  it("locks a user name guessed from many addresses, for every address", () => {
    const throttle = createLoginThrottle(manualClock());
    for (let i = 0; i < 50; i++) throttle.failed({ address: `192.0.2.${i}`, username: "dave" });
    assert.ok(throttle.refusal({ address: "198.51.100.1", username: "dave" }) !== undefined);
  });

  it("a success clears only its own (address, name) pair, not what the address did to other names", () => {
    const throttle = createLoginThrottle(manualClock());
    for (let i = 0; i < 4; i++) throttle.failed(victim);
    for (let i = 0; i < 46; i++) throttle.failed({ address: victim.address, username: `other-${i}` });
    throttle.succeeded({ address: victim.address, username: "mallory" });
    assert.ok(throttle.refusal({ address: victim.address, username: "x" }) !== undefined);
  });

  it("forgets failures once a bucket has been quiet for 15 minutes after its lock", () => {
    const clock = manualClock();
    const throttle = createLoginThrottle(clock);
    for (let i = 0; i < 6; i++) throttle.failed(victim);
    clock.advance(2000 + 15 * 60 * 1000);
    assert.equal(throttle.refusal(victim), undefined);
    throttle.failed(victim);
    assert.equal(throttle.refusal(victim), undefined, "a first failure again, not a seventh");
  });
});
