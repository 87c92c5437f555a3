import type { ImportTally } from '../../shared/domain/account-import';

/**
 * The import's progress on stderr: a bar redrawn in place on a terminal (records, rate, ETA from
 * the bytes read), or a plain line every few seconds when stderr is a file or a pipe (CI logs).
 */
export class ImportProgress {
  private lastDraw = 0;
  private drawn = false;
  private tally: ImportTally = { read: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 };

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly source: { size: number; bytesRead(): number },
    private readonly startedAt: number,
    private readonly now: () => number = Date.now,
    private readonly intervalMs = out.isTTY ? 100 : 5_000,
  ) {}

  /** Takes the latest counts; redraws when the last drawing is old enough. */
  update(tally: ImportTally): void {
    this.tally = tally;
    const now = this.now();
    if (now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    this.draw(now);
  }

  /** Leaves the terminal on a fresh line (the summary follows). */
  finish(): void {
    if (this.out.isTTY && this.drawn) {
      this.draw(this.now());
      this.out.write('\n');
    }
  }

  private draw(now: number): void {
    const seconds = Math.max((now - this.startedAt) / 1000, 0.001);
    const done = this.tally.created + this.tally.updated + this.tally.unchanged + this.tally.rejected;
    const rate = done / seconds;
    const fraction = this.source.size > 0 ? Math.min(this.source.bytesRead() / this.source.size, 1) : 1;
    const eta = fraction > 0 && fraction < 1 ? (seconds * (1 - fraction)) / fraction : 0;
    const counts = `${done.toLocaleString('en-US')} records, ${Math.round(rate).toLocaleString('en-US')}/s, ETA ${duration(eta)}` +
      (this.tally.rejected > 0 ? `, ${this.tally.rejected.toLocaleString('en-US')} rejected` : '');
    if (this.out.isTTY) {
      const width = 24;
      const filled = Math.round(fraction * width);
      this.out.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${counts}\x1b[K`);
    } else {
      this.out.write(`import: ${Math.floor(fraction * 100)}% read, ${counts}\n`);
    }
    this.drawn = true;
  }
}

/** `m:ss` (or `h:mm:ss`). */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}
