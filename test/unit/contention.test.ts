import { backoffCeiling, CONTENTION_ATTEMPTS, patientBackoff } from '../../shared/domain/contention';

/**
 * Waiting on a parallel request (an activation another registration has claimed): each wait is at
 * least half its cap, so that the tries add up to a known patience whatever the random draws.
 */
describe('patientBackoff', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** Whether the wait before retry `attempt` is over after `ms` of (fake) time. */
  async function overAfter(attempt: number, ms: number): Promise<boolean> {
    let over = false;
    const waiting = patientBackoff(attempt).then(() => (over = true));
    await jest.advanceTimersByTimeAsync(ms);
    const result = over;
    await jest.runAllTimersAsync();
    await waiting;
    return result;
  }

  it.each(Array.from({ length: CONTENTION_ATTEMPTS - 1 }, (_, i) => i + 1))('waits between half the cap and the cap before retry %i', async (attempt) => {
    const ceiling = backoffCeiling(attempt);
    for (let draw = 0; draw < 20; draw++) {
      expect(await overAfter(attempt, Math.floor(ceiling / 2) - 1)).toBe(false);
      expect(await overAfter(attempt, ceiling)).toBe(true);
    }
  });

  it('adds up to at least 1.8 s over the tries a contended registration gets', () => {
    const waits = Array.from({ length: CONTENTION_ATTEMPTS - 1 }, (_, i) => Math.floor(backoffCeiling(i + 1) / 2));
    expect(waits.reduce((sum, ms) => sum + ms, 0)).toBeGreaterThanOrEqual(1_800);
  });
});
