import { useCallback, useEffect, useState, type DependencyList } from 'react';

/** The state of one load: still loading, loaded, or failed with an error. */
export type Load<T> =
  | { status: 'loading'; data?: undefined; error?: undefined }
  | { status: 'ok'; data: T; error?: undefined }
  | { status: 'error'; data?: undefined; error: unknown };

/**
 * Runs `fn` when `deps` change and keeps its result. A slower earlier call never
 * overwrites a newer one (the "ignore stale" flag), which matters while typing a search.
 */
export function useLoad<T>(fn: () => Promise<T>, deps: DependencyList): Load<T> & { reload: () => void } {
  const [state, setState] = useState<Load<T>>({ status: 'loading' });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let stale = false;
    setState({ status: 'loading' });
    fn().then(
      (data) => {
        if (!stale) setState({ status: 'ok', data });
      },
      (error: unknown) => {
        if (!stale) setState({ status: 'error', error });
      },
    );
    return () => {
      stale = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}
