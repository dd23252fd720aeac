// Slows password guessing (CWE-307): after a few failures for one user name from one address, further
// attempts are refused for a growing lock-out, whether or not the password is right. In memory, per process:
// a restart resets it, which is acceptable for a throttle (the argon2 cost still bounds the guess rate).
import type { Clock } from "../../core/clock.js";

export interface LoginThrottle {
  /** Milliseconds until another attempt is allowed; 0 when allowed now. */
  retryAfterMs(key: string): number;
  failed(key: string): void;
  succeeded(key: string): void;
}

const FREE_FAILURES = 5;
const BASE_LOCK_MS = 1000;
const MAX_LOCK_MS = 15 * 60 * 1000;
const MAX_TRACKED = 10_000;

export function createLoginThrottle(clock: Clock): LoginThrottle {
  const state = new Map<string, { failures: number; lockedUntil: number }>();
  return {
    retryAfterMs(key) {
      const s = state.get(key);
      return s === undefined ? 0 : Math.max(0, s.lockedUntil - clock.now());
    },
    failed(key) {
      if (state.size >= MAX_TRACKED && !state.has(key)) {
        const oldest = state.keys().next().value;
        if (oldest !== undefined) state.delete(oldest);
      }
      const s = state.get(key) ?? { failures: 0, lockedUntil: 0 };
      s.failures += 1;
      if (s.failures >= FREE_FAILURES) {
        s.lockedUntil = clock.now() + Math.min(MAX_LOCK_MS, BASE_LOCK_MS * 2 ** (s.failures - FREE_FAILURES));
      }
      state.set(key, s);
    },
    succeeded(key) {
      state.delete(key);
    },
  };
}
