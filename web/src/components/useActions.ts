import { useCallback, useState } from 'react';

/** A component's user actions (save, sign, adopt...): the one in flight and the last failure. */
export interface Actions<K extends string> {
  /** The action in flight: its button shows busy, the others wait. */
  busy: K | undefined;
  /** The last action that failed and why, kept until the next one starts or `clear`. */
  failed: { action: K; error: unknown } | undefined;
  /** Runs `fn` as action `kind`; resolves whether it succeeded (its error is kept in `failed`). */
  run: (kind: K, fn: () => Promise<void>) => Promise<boolean>;
  /** Forgets the last failure (when a form's own check replaces it with a problem). */
  clear: () => void;
}

/** One place for the busy / error bookkeeping every form and action button needs. */
export function useActions<K extends string>(): Actions<K> {
  const [busy, setBusy] = useState<K | undefined>(undefined);
  const [failed, setFailed] = useState<Actions<K>['failed']>(undefined);
  const run = useCallback(async (kind: K, fn: () => Promise<void>): Promise<boolean> => {
    setBusy(kind);
    setFailed(undefined);
    try {
      await fn();
      return true;
    } catch (error) {
      setFailed({ action: kind, error });
      return false;
    } finally {
      setBusy(undefined);
    }
  }, []);
  const clear = useCallback(() => setFailed(undefined), []);
  return { busy, failed, run, clear };
}
