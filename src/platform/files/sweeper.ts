/**
 * The retention sweep (sweep.ts) on a timer inside the server, so an installation that never
 * set up a cron job still does not keep abandoned uploads. First run a minute after start
 * (start-up stays fast), then hourly; a run still going when the next is due is not doubled;
 * a failed run is logged and the next one tries again. Timers are unref'd: they never keep
 * the process alive.
 */
import type { SweepOptions, SweepResult } from './sweep.ts';

export interface SweeperLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface FileSweeper {
  stop(): void;
}

export function startFileSweeper(
  files: { sweepUnattached(options?: SweepOptions): Promise<SweepResult> },
  options: { graceHours: number; log: SweeperLog; firstAfterMs?: number; everyMs?: number },
): FileSweeper {
  const { graceHours, log } = options;
  let running = false;
  let stopped = false;
  const run = async (): Promise<void> => {
    if (running || stopped) return;
    running = true;
    try {
      const result = await files.sweepUnattached({ graceHours });
      if (result.deleted.length > 0) log.info({ deleted: result.deleted.length, cutoff: result.cutoff }, 'deleted uploads never attached to a record');
    } catch (e) {
      log.error({ err: e }, 'file retention sweep failed; retrying at the next interval');
    } finally {
      running = false;
    }
  };
  let every: NodeJS.Timeout | undefined;
  const first = setTimeout(() => {
    void run();
    every = setInterval(() => void run(), options.everyMs ?? 3_600_000);
    every.unref();
  }, options.firstAfterMs ?? 60_000);
  first.unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(first);
      if (every) clearInterval(every);
    },
  };
}
