// A background loop's timer: runs `tick` every `intervalMs`, never two at once (the next one is scheduled when
// the last has ended, however long it took), and stop() waits for the tick in flight. The rollout controller
// and the monitor run on it; a failed tick is reported and the next runs as usual.
export class TickTimer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly tick: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** No tick starts after this; resolves once the one in flight (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.tick()
        .then(() => undefined)
        .catch(this.onError)
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, this.intervalMs);
    // A background loop never keeps the process alive on its own.
    this.timer.unref();
  }
}
