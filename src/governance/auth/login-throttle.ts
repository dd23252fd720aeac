// Slows password guessing (CWE-307) with three kinds of bucket, each counting failed logins: one per
// (address, user name) pair, one per address (however many names it tries) and one per user name (from
// however many addresses). After a bucket's free failures, every attempt it covers is refused for a lock-out
// that doubles with each further failure, whether or not the password is right.
// Memory is bounded without letting anyone flush a victim's bucket: an address's own bucket stops it from
// creating more than about fifty others, and a full table gives up its least telling bucket (unlocked,
// fewest failures) — never a locked one while an unlocked one is left. In memory, and shared: every failure
// and success is also sent over the cluster bus, so servers behind one load balancer count the same attempts
// (a guesser gains nothing by spreading over replicas). A restart resets it, which is acceptable for a throttle
// (the argon2 cost still bounds the guess rate).
import { createHash } from "node:crypto";
import ipaddr from "ipaddr.js";
import type { Clock } from "../../core/clock.js";
import type { ClusterBus } from "../../store/cluster-bus.js";

/** Who is trying to log in: the client address (as the socket or a trusted proxy reports it) and the name. */
export interface LoginAttempt {
  address: string;
  username: string;
}

export interface LoginThrottle {
  /** Why and for how long the attempt must wait; undefined when it may go ahead now. */
  refusal(attempt: LoginAttempt): { retryAfterMs: number; reason: string } | undefined;
  failed(attempt: LoginAttempt): void;
  succeeded(attempt: LoginAttempt): void;
}

interface BucketRule {
  freeFailures: number;
  maxLockMs: number;
  capacity: number;
  reason: (attempt: LoginAttempt) => string;
}

const BASE_LOCK_MS = 1000;
/** A bucket without a failure for this long after its lock ended is forgotten: the next failure is a first. */
const FORGET_AFTER_MS = 15 * 60 * 1000;

const PAIR: BucketRule = {
  freeFailures: 5,
  maxLockMs: 15 * 60 * 1000,
  capacity: 10_000,
  reason: (a) => `Too many failed logins for '${a.username}'`,
};
// Password spraying from one address (one guess each for many names), and the cap on how many pair and
// user buckets one address can create before it is locked itself.
const ADDRESS: BucketRule = {
  freeFailures: 50,
  maxLockMs: 15 * 60 * 1000,
  capacity: 10_000,
  reason: () => "Too many failed logins from this address",
};
// Guessing one account from many addresses. A shorter ceiling: an attacker can hold this lock on someone
// else's account, so it must stay an inconvenience for the owner rather than a lock-out.
const USER: BucketRule = {
  freeFailures: 50,
  maxLockMs: 5 * 60 * 1000,
  capacity: 10_000,
  reason: (a) => `Too many failed logins for '${a.username}'`,
};

interface Bucket {
  failures: number;
  lockedUntil: number;
  lastFailure: number;
}

class BucketTable {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly rule: BucketRule,
    private readonly clock: Clock,
  ) {}

  retryAfterMs(key: string): number {
    const bucket = this.buckets.get(key);
    return bucket === undefined ? 0 : Math.max(0, bucket.lockedUntil - this.clock.now());
  }

  failed(key: string): void {
    const now = this.clock.now();
    let bucket = this.buckets.get(key);
    if (bucket !== undefined && isForgotten(bucket, now)) bucket = undefined;
    if (bucket === undefined) {
      if (this.buckets.size >= this.rule.capacity) this.makeRoom(now);
      bucket = { failures: 0, lockedUntil: 0, lastFailure: now };
      this.buckets.set(key, bucket);
    }
    bucket.failures += 1;
    bucket.lastFailure = now;
    const over = bucket.failures - this.rule.freeFailures;
    if (over >= 0) {
      // 2 ** over grows past any lock after ~20 failures; cap the exponent so the product stays finite.
      bucket.lockedUntil = now + Math.min(this.rule.maxLockMs, BASE_LOCK_MS * 2 ** Math.min(over, 40));
    }
  }

  forget(key: string): void {
    this.buckets.delete(key);
  }

  /** Drops forgotten buckets; if none, the least telling one (see the file comment). */
  private makeRoom(now: number): void {
    let victim: [string, Bucket] | undefined;
    for (const entry of this.buckets) {
      const [key, bucket] = entry;
      if (isForgotten(bucket, now)) {
        this.buckets.delete(key);
        continue;
      }
      if (victim === undefined || lessTelling(bucket, victim[1], now)) victim = entry;
    }
    if (this.buckets.size >= this.rule.capacity && victim !== undefined) this.buckets.delete(victim[0]);
  }
}

function isForgotten(bucket: Bucket, now: number): boolean {
  return Math.max(bucket.lockedUntil, bucket.lastFailure) + FORGET_AFTER_MS <= now;
}

/** Unlocked before locked; then fewer failures; then the lock that ends first; then the older. */
function lessTelling(a: Bucket, b: Bucket, now: number): boolean {
  const aLocked = a.lockedUntil > now;
  const bLocked = b.lockedUntil > now;
  if (aLocked !== bLocked) return !aLocked;
  if (a.failures !== b.failures) return a.failures < b.failures;
  if (aLocked && a.lockedUntil !== b.lockedUntil) return a.lockedUntil < b.lockedUntil;
  return a.lastFailure < b.lastFailure;
}

/**
 * One key per client: an IPv4 address (also when it arrives IPv4-mapped), or an IPv6 /64 — the block one
 * host is usually given, so rotating through its addresses does not make new clients.
 */
function addressKey(address: string): string {
  try {
    const parsed = ipaddr.process(address);
    if (parsed.kind() === "ipv4") return parsed.toString();
    return `${(parsed as ipaddr.IPv6).parts.slice(0, 4).join(":")}::/64`;
  } catch {
    return address;
  }
}

/** User names are the client's to choose: keep a fixed-size digest, not the name. */
function nameKey(username: string): string {
  return createHash("sha256").update(username).digest("base64url");
}

/** An attempt as it travels on the cluster bus (the other servers derive the same bucket keys from it). */
function attemptOf(message: string): LoginAttempt | undefined {
  try {
    const a = JSON.parse(message) as Partial<LoginAttempt>;
    return typeof a.address === "string" && typeof a.username === "string"
      ? { address: a.address, username: a.username }
      : undefined;
  } catch {
    return undefined;
  }
}

export function createLoginThrottle(clock: Clock, bus?: ClusterBus): LoginThrottle {
  const pairs = new BucketTable(PAIR, clock);
  const addresses = new BucketTable(ADDRESS, clock);
  const users = new BucketTable(USER, clock);
  const keysOf = (a: LoginAttempt): [BucketTable, string, BucketRule][] => {
    const address = addressKey(a.address);
    const name = nameKey(a.username);
    return [
      [pairs, `${address}|${name}`, PAIR],
      [addresses, address, ADDRESS],
      [users, name, USER],
    ];
  };
  const failed = (attempt: LoginAttempt): void => {
    for (const [table, key] of keysOf(attempt)) table.failed(key);
  };
  const succeeded = (attempt: LoginAttempt): void => {
    // Only the pair is cleared: a success on one's own account must not wipe the failures an address
    // piled up against other names, nor those other addresses piled up against this name.
    const [pair] = keysOf(attempt);
    if (pair !== undefined) pair[0].forget(pair[1]);
  };
  const remote = (apply: (a: LoginAttempt) => void) => (message: string) => {
    const attempt = attemptOf(message);
    if (attempt !== undefined) apply(attempt);
  };
  bus?.subscribe("login_failed", remote(failed));
  bus?.subscribe("login_succeeded", remote(succeeded));
  const share = (attempt: LoginAttempt): string =>
    JSON.stringify({ address: attempt.address, username: attempt.username });
  return {
    refusal(attempt) {
      let longest: { retryAfterMs: number; reason: string } | undefined;
      for (const [table, key, rule] of keysOf(attempt)) {
        const wait = table.retryAfterMs(key);
        if (wait > 0 && (longest === undefined || wait > longest.retryAfterMs)) {
          longest = { retryAfterMs: wait, reason: rule.reason(attempt) };
        }
      }
      return longest;
    },
    failed(attempt) {
      failed(attempt);
      bus?.publish("login_failed", share(attempt));
    },
    succeeded(attempt) {
      succeeded(attempt);
      bus?.publish("login_succeeded", share(attempt));
    },
  };
}
