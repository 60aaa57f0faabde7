/**
 * GitHub's secondary limit on content creation: "no more than 80
 * content-generating requests per minute" (REST and GraphQL docs, "About
 * secondary rate limits"), where each comment an aliased mutation posts
 * counts. The action paces its completion comments so as never to meet that
 * limit, rather than meet it and wait out the retry-after.
 */

/** What the docs allow per window. */
export const CONTENT_PER_MINUTE = 80

export interface ContentPaceOptions {
  readonly perWindow: number
  readonly windowMs: number
  readonly now?: () => number
  readonly sleep?: (ms: number) => Promise<void>
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** A sliding window of the content items sent: reserve() waits until `count` more fit. */
export class ContentPace {
  private readonly sent: number[] = []
  private readonly now: () => number
  private readonly sleep: (ms: number) => Promise<void>

  constructor(private readonly options: ContentPaceOptions) {
    this.now = options.now ?? Date.now
    this.sleep = options.sleep ?? realSleep
  }

  /** The most one request may carry: one window's worth. */
  get perWindow(): number {
    return this.options.perWindow
  }

  /** How long `count` more items must wait for the window to make room for them (0: none). */
  waitFor(count: number): number {
    const { perWindow, windowMs } = this.options
    const now = this.now()
    while (this.sent.length > 0 && (this.sent[0] ?? 0) <= now - windowMs) this.sent.shift()
    const excess = this.sent.length + Math.min(count, perWindow) - perWindow
    if (excess <= 0) return 0
    // The oldest `excess` items must leave the window first.
    return (this.sent[excess - 1] ?? now) + windowMs - now
  }

  /** Waits until `count` items fit in the window (calling `onWait` first), then counts them sent. */
  async reserve(count: number, onWait: (ms: number) => void = () => undefined): Promise<void> {
    for (let wait = this.waitFor(count); wait > 0; wait = this.waitFor(count)) {
      onWait(wait)
      await this.sleep(wait)
    }
    const at = this.now()
    for (let i = 0; i < Math.min(count, this.options.perWindow); i++) this.sent.push(at)
  }
}
