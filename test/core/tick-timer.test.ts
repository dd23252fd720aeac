// The background loops' timer: ticks follow one another (never two at once), a failed tick is reported and the
// loop goes on, and stop() waits for the tick in flight and starts no other.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TickTimer } from "../../src/core/tick-timer.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The timer never keeps the process alive (a server's loops must not), so a test does while it runs. */
async function alive<T>(body: () => Promise<T>): Promise<T> {
  const handle = setInterval(() => undefined, 50);
  try {
    return await body();
  } finally {
    clearInterval(handle);
  }
}

describe("tick timer", () => {
  test("ticks never overlap, a failed tick is reported, and the next one still runs", () =>
    alive(async () => {
      let inFlight = 0;
      let most = 0;
      let ticks = 0;
      const errors: unknown[] = [];
      let timer: TickTimer | undefined = undefined;
      const done = new Promise<void>((resolve) => {
        timer = new TickTimer(
          async () => {
            inFlight++;
            most = Math.max(most, inFlight);
            ticks++;
            await sleep(5);
            inFlight--;
            if (ticks === 2) throw new Error("tick 2 failed");
            if (ticks === 4) resolve();
          },
          1,
          (err) => errors.push(err),
        );
      });
      (timer as unknown as TickTimer).start();
      await done;
      await (timer as unknown as TickTimer).stop();
      assert.equal(most, 1, "one tick at a time");
      assert.deepEqual(
        errors.map((e) => (e as Error).message),
        ["tick 2 failed"],
      );
    }));

  test("stop waits for the tick in flight and no tick starts after it", () =>
    alive(async () => {
      let started = 0;
      let finished = 0;
      let release: () => void = () => undefined;
      const first = new Promise<void>((resolve) => {
        release = resolve;
      });
      let begun: () => void = () => undefined;
      const hasBegun = new Promise<void>((resolve) => {
        begun = resolve;
      });
      const timer = new TickTimer(
        async () => {
          started++;
          begun();
          await first;
          finished++;
        },
        1,
        () => undefined,
      );
      timer.start();
      await hasBegun;
      const stopping = timer.stop();
      release();
      await stopping;
      assert.equal(finished, 1, "the tick in flight ended before stop resolved");
      await sleep(20);
      assert.equal(started, 1, "no tick after stop");
    }));
});
