import { describe, expect, it } from 'vitest';
import { RetryPolicy, retryAfterMs } from '../../src/backends/nemo/retry.js';

const policy = new RetryPolicy({ attempts: 3, baseMs: 1, retryAfterMaxMs: 50 });
const reset = { kind: 'connection', error: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) } as const;

describe('the one retry policy of the cloud client', () => {
  it('retries 5xx, 408 and connection failures of idempotent calls, 3 attempts in all', async () => {
    for (const failure of [{ kind: 'status', status: 503 } as const, { kind: 'status', status: 408 } as const, reset]) {
      const retries = policy.start(true);
      expect([await retries.again(failure), await retries.again(failure), await retries.again(failure)]).toEqual([true, true, false]);
      expect(retries.made).toBe(3);
    }
  });

  it('never retries a call that is not safe to send again, nor a 4xx or an unknown error', async () => {
    expect(await policy.start(false).again({ kind: 'status', status: 503 })).toBe(false);
    expect(await policy.start(false).again(reset)).toBe(false);
    expect(await policy.start(true).again({ kind: 'status', status: 404 })).toBe(false);
    expect(await policy.start(true).again({ kind: 'connection', error: new Error('bug') })).toBe(false);
  });

  it('429: once, for any method, after Retry-After; longer than the cap fails at once, saying how long', async () => {
    const retries = policy.start(false);
    expect(await retries.again({ kind: 'status', status: 429, retryAfter: '0.01' })).toBe(true);
    expect(await retries.again({ kind: 'status', status: 429, retryAfter: '0.01' })).toBe(false);
    await expect(policy.start(true).again({ kind: 'status', status: 429, retryAfter: '86400' })).rejects.toMatchObject({
      code: 'E_BACKEND_HTTP',
      message: 'the NemoVideo API is rate limiting us (HTTP 429): it asked to wait 86400 s, more than the 0 s nemo-run waits',
    });
  });

  it('backs off exponentially with jitter: each wait at least half of base × 2^(n-1)', async () => {
    const slow = new RetryPolicy({ attempts: 3, baseMs: 40, retryAfterMaxMs: 0 });
    const retries = slow.start(true);
    const waits: number[] = [];
    for (let i = 0; i < 2; i++) {
      const t0 = performance.now();
      await retries.again(reset);
      waits.push(performance.now() - t0);
    }
    // Lower bounds only: a loaded machine may wake late, never early.
    expect(waits[0]).toBeGreaterThanOrEqual(19);
    expect(waits[1]).toBeGreaterThanOrEqual(39);
  });

  it('reads Retry-After as seconds or an HTTP date, else the protocol\'s 30 s', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(undefined)).toBe(30_000);
    expect(retryAfterMs('soon')).toBe(30_000);
    expect(retryAfterMs(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
  });
});
