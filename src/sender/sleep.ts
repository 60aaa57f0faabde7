/** The sender's one wait, and the retry timing its reads and sends share. */

/** Waits `ms`; ends early when `signal` aborts (Ctrl-C ends a watch at once). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve()
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}

/** Bounded tries with a wait between them; tests inject the wait. */
export interface Attempts {
  /** Tries at most (the first included). */
  readonly attempts: number
  readonly sleep: (ms: number) => Promise<void>
}
