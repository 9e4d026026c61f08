// useApi: loads something from the API and re-loads on demand or when the signed-in key changes.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

export function useApi<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = ++generation.current;
    setLoading(true);
    load().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (err) => {
        if (mine !== generation.current) return;
        setError(err);
        setLoading(false);
      },
    );
  }, deps);
  useEffect(() => {
    run();
    window.addEventListener("amp-key-changed", run);
    return () => window.removeEventListener("amp-key-changed", run);
  }, [run]);
  return { data, error, loading, reload: run };
}

// Calls `tick` every `ms` while mounted (and once at once).
export function useInterval(tick: () => void, ms: number, deps: unknown[]): void {
  useEffect(() => {
    tick();
    const id = setInterval(tick, ms);
    return () => clearInterval(id);
  }, deps);
}
