import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SweepResult } from './sweep.ts';
import { startFileSweeper } from './sweeper.ts';

const result = (deleted: number): SweepResult => ({
  cutoff: '2026-01-01T00:00:00.000Z',
  dryRun: false,
  kept: [],
  deleted: Array.from({ length: deleted }, (_, i) => ({ id: `f${i}`, clinicId: 'c', patientId: null, contentType: 'image/png', byteSize: 1, createdAt: '' })),
});

describe('file sweeper', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('sweeps a minute after start, then hourly, with the configured grace; logs what it deleted', async () => {
    const sweep = vi.fn().mockResolvedValueOnce(result(2)).mockResolvedValue(result(0));
    const log = { info: vi.fn(), error: vi.fn() };
    const sweeper = startFileSweeper({ sweepUnattached: sweep }, { graceHours: 48, log });
    await vi.advanceTimersByTimeAsync(59_000);
    expect(sweep).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sweep).toHaveBeenCalledTimes(1);
    expect(sweep).toHaveBeenCalledWith({ graceHours: 48 });
    expect(log.info).toHaveBeenCalledWith(expect.objectContaining({ deleted: 2 }), expect.stringContaining('never attached'));
    await vi.advanceTimersByTimeAsync(2 * 3_600_000);
    expect(sweep).toHaveBeenCalledTimes(3);
    expect(log.info).toHaveBeenCalledTimes(1); // nothing deleted, nothing said
    sweeper.stop();
    await vi.advanceTimersByTimeAsync(5 * 3_600_000);
    expect(sweep).toHaveBeenCalledTimes(3);
  });

  it('keeps going after a failed run, and never runs two at once', async () => {
    let release: (r: SweepResult) => void = () => undefined;
    const sweep = vi
      .fn()
      .mockRejectedValueOnce(new Error('database down'))
      .mockImplementationOnce(() => new Promise<SweepResult>((r) => (release = r)))
      .mockResolvedValue(result(0));
    const log = { info: vi.fn(), error: vi.fn() };
    const sweeper = startFileSweeper({ sweepUnattached: sweep }, { graceHours: 24, log, firstAfterMs: 10, everyMs: 100 });
    await vi.advanceTimersByTimeAsync(10);
    expect(log.error).toHaveBeenCalledWith(expect.objectContaining({ err: expect.any(Error) }), expect.stringContaining('retrying'));
    await vi.advanceTimersByTimeAsync(100); // the second run starts and hangs
    await vi.advanceTimersByTimeAsync(300); // three more ticks while it hangs: none starts
    expect(sweep).toHaveBeenCalledTimes(2);
    release(result(0));
    await vi.advanceTimersByTimeAsync(100);
    expect(sweep).toHaveBeenCalledTimes(3);
    sweeper.stop();
  });
});
