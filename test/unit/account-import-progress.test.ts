import { duration, ImportProgress } from '../../functions/tools/import-progress';

/** A stderr stand-in that records what is written. */
function stream(isTTY: boolean) {
  const written: string[] = [];
  return { written, out: { isTTY, write: (text: string) => written.push(text) > 0 } as unknown as NodeJS.WriteStream };
}

const tally = (done: number, rejected = 0) => ({ read: done, created: done - rejected, updated: 0, unchanged: 0, rejected });

describe('ImportProgress', () => {
  it('redraws one bar in place on a terminal, with records, rate and ETA from the bytes read', () => {
    const { out, written } = stream(true);
    let now = 0;
    let bytes = 0;
    const progress = new ImportProgress(out, { size: 1000, bytesRead: () => bytes }, 0, () => now);
    now = 10_000;
    bytes = 250;
    progress.update(tally(20_000, 3));
    now = 10_050; // within 100 ms of the last drawing: not redrawn
    progress.update(tally(20_100, 3));
    expect(written).toEqual(['\r[######------------------]  25% 20,000 records, 2,000/s, ETA 0:30, 3 rejected\x1b[K']);
    now = 20_000;
    bytes = 1000;
    progress.update(tally(40_000, 3));
    progress.finish();
    expect(written.slice(1)).toEqual([
      '\r[########################] 100% 40,000 records, 2,000/s, ETA 0:00, 3 rejected\x1b[K',
      '\r[########################] 100% 40,000 records, 2,000/s, ETA 0:00, 3 rejected\x1b[K',
      '\n',
    ]);
  });

  it('writes a plain line every 5 seconds when not on a terminal', () => {
    const { out, written } = stream(false);
    let now = 0;
    const progress = new ImportProgress(out, { size: 100, bytesRead: () => 50 }, 0, () => now);
    now = 5_000;
    progress.update(tally(10_000));
    now = 9_000;
    progress.update(tally(15_000));
    now = 10_000;
    progress.update(tally(20_000));
    progress.finish();
    expect(written).toEqual(['import: 50% read, 10,000 records, 2,000/s, ETA 0:05\n', 'import: 50% read, 20,000 records, 2,000/s, ETA 0:10\n']);
  });

  it('formats durations as m:ss or h:mm:ss', () => {
    expect([duration(0), duration(59.6), duration(61), duration(3725)]).toEqual(['0:00', '1:00', '1:01', '1:02:05']);
  });
});
