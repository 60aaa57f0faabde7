/**
 * src/github/content-pace.ts: comments are paced so that no window of
 * GitHub's content limit (80 a minute) ever holds more than it allows.
 */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { ContentPace } from '../src/github/content-pace.js'

/** A pace on a fake clock: sleeping moves the clock. */
function paced(perWindow: number, windowMs: number) {
  let now = 1_000_000
  const waits: number[] = []
  const pace = new ContentPace({
    perWindow,
    windowMs,
    now: () => now,
    sleep: (ms) => {
      now += ms
      return Promise.resolve()
    }
  })
  const reserve = async (count: number): Promise<number> => {
    await pace.reserve(count, (ms) => waits.push(ms))
    return now
  }
  return {
    pace,
    waits,
    advance: (ms: number) => (now += ms),
    reserve,
    /** Reserves each batch in turn, advancing the clock by `gapMs` after each; the first's time. */
    batches: async (gapMs: number, ...counts: number[]) => {
      const times: number[] = []
      for (const count of counts) {
        times.push(await reserve(count))
        now += gapMs
      }
      return times[0] ?? now
    }
  }
}

describe('ContentPace', () => {
  it('lets 80 comments a minute through at once, and holds the 81st until the first is a minute old', async () => {
    const clock = paced(80, 60_000)
    const start = await clock.batches(1_000, 20, 20, 20)
    expect(await clock.reserve(20)).toBe(start + 3_000)
    expect(clock.waits).toEqual([])
    // The fifth batch of 20 needs the first 20 out of the window.
    expect(await clock.reserve(20)).toBe(start + 60_000)
    expect(clock.waits).toEqual([57_000])
  })

  it('waits only as long as the oldest items it needs gone take to leave the window', async () => {
    const clock = paced(4, 1_000)
    const start = await clock.batches(100, 1, 1)
    await clock.reserve(2)
    // Two more need the two oldest (at +0 and +100) gone: until +1100.
    expect(await clock.reserve(2)).toBe(start + 1_100)
  })

  it('never lets a window hold more than the limit, whatever the batches and gaps', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ count: fc.integer({ min: 1, max: 30 }), gap: fc.nat(2_000) }), {
          maxLength: 40
        }),
        async (batches) => {
          const windowMs = 1_000
          const clock = paced(10, windowMs)
          const sentAt: number[] = []
          for (const { count, gap } of batches) {
            clock.advance(gap)
            const at = await clock.reserve(count)
            for (let i = 0; i < Math.min(count, 10); i++) sentAt.push(at)
          }
          for (const t of sentAt) {
            const inWindow = sentAt.filter((u) => u > t - windowMs && u <= t).length
            expect(inWindow).toBeLessThanOrEqual(10)
          }
        }
      ),
      { numRuns: 200, seed: 20261125 }
    )
  })

  it('counts a request larger than the window as one window full', async () => {
    const clock = paced(5, 1_000)
    const start = await clock.reserve(50)
    expect(clock.pace.perWindow).toBe(5)
    expect(await clock.reserve(1)).toBe(start + 1_000)
  })
})
