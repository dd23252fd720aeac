// Loads data and loads it again every `intervalMs` after each answer (never two requests at once), keeping
// the last good data on screen while the next one is on its way, so a live page does not flicker to
// "loading". A failed poll keeps the last data and its error; the next success clears it.
import { useCallback, useEffect, useRef, useState } from "react";

export interface PollingState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Load now (after an action), without waiting for the next tick. */
  reload: () => void;
}

export function usePolling<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  intervalMs: number,
): PollingState<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = () => {
      loadRef
        .current()
        .then(
          (data) => live && setState({ data, error: undefined, loading: false }),
          (error: unknown) => live && setState((s) => ({ data: s.data, error, loading: false })),
        )
        .finally(() => {
          if (live) timer = setTimeout(run, intervalMs);
        });
    };
    run();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [...deps, tick, intervalMs]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}
