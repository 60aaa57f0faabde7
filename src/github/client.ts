/**
 * The authenticated Octokit the action talks to GitHub through:
 * `@actions/github`'s (its fetch goes through the proxy the runner sets,
 * `https_proxy` / `no_proxy`, as every maintained action's does) with the
 * throttling plugin (writes spaced, rate limits waited out) and the retry
 * plugin (5xx, resets, timeouts), all bounded.
 *
 * The toolkit picks the proxy once, for `GITHUB_API_URL`, when it is first
 * loaded: in the action that is the `apiUrl` given here. (The CLI's
 * `--api-url` to another host goes the way `GITHUB_API_URL`'s host, or
 * api.github.com when it is unset, would.)
 */
import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import { RequestError } from '@octokit/request-error'
import Bottleneck from 'bottleneck/light.js'
import { CONTENT_PER_MINUTE, ContentPace } from './content-pace.js'

export type GitHubClient = ReturnType<typeof getOctokit>

/** An Octokit plugin, as getOctokit takes them. */
type Plugin = NonNullable<Parameters<typeof getOctokit>[2]>

/**
 * The User-Agent GitHub sees: this action by name; getOctokit adds the run's
 * `actions_orchestration_id/…` when the runner gives one, then Octokit its own.
 */
export const USER_AGENT = 'debussy-issue-sync'

/**
 * How the client lets time pass: the action's is real time; a test's holds an
 * attempt until the simulator holds its answer, or waits no real time at all.
 */
export interface ClientClock {
  /** Milliseconds since the epoch, as `sleep` moves them on (comment pacing). */
  readonly now: () => number
  /** Waits `ms`: a rate limit's retry-after or reset, the settle wait before reading back a lost write, pacing. */
  readonly sleep: (ms: number) => Promise<void>
  /** A signal that aborts when an attempt limited to `ms` has run out. */
  readonly attemptSignal: (ms: number) => AbortSignal
}

export const REAL_CLOCK: ClientClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  attemptSignal: (ms) => AbortSignal.timeout(ms)
}

/** Timings; tests shrink them, the action uses the defaults. */
export interface ClientTiming {
  /** One attempt's limit before it is abandoned and retried. */
  readonly attemptTimeoutMs: number
  /** Scales the retry backoff (1, 4, 9 units) and rate-limit waits (seconds). */
  readonly retryUnitMs: number
  /** Retries of one request after a transient failure. */
  readonly retries: number
  /** A rate limit that asks for a longer wait fails the step instead. */
  readonly maxRateLimitWaitSeconds: number
  /** Least time between two writes: GitHub asks integrations for one second. */
  readonly writeSpacingMs: number
  /** Content (comments) sent per window at most, and the window: GitHub's 80 a minute. */
  readonly contentPerWindow: number
  readonly contentWindowMs: number
  /** Real time unless a test gives its own. */
  readonly clock?: ClientClock
}

/** How a timed-out attempt's error begins. */
export const TIMED_OUT = 'GitHub did not answer within'

/** How the error of an answer that could not be read begins (a 200 without data, an HTML page). */
export const MALFORMED = 'GitHub answered, but its answer could not be read'

/**
 * The status an answer that could not be read is reported with: like a 502
 * from a proxy, it says nothing of whether the request was applied.
 */
const MALFORMED_STATUS = 502

export const DEFAULT_TIMING: ClientTiming = {
  attemptTimeoutMs: 8_000,
  retryUnitMs: 1_000,
  retries: 3,
  maxRateLimitWaitSeconds: 60,
  writeSpacingMs: 1_000,
  contentPerWindow: CONTENT_PER_MINUTE,
  contentWindowMs: 60_000
}

interface LimitedRequest {
  readonly method: string
  readonly url: string
}

export interface ClientOptions {
  readonly token: string
  readonly apiUrl: string
  readonly graphqlUrl: string
  readonly timing?: ClientTiming
  /** Where waits and retries are reported (a warning annotation in the action). */
  readonly onWait?: (message: string) => void
  /** Where planned pauses are reported (a log line): pacing comments, not a failure. */
  readonly onPause?: (message: string) => void
}

export interface GitHub {
  readonly octokit: GitHubClient
  /**
   * GraphQL at the configured endpoint (`GITHUB_GRAPHQL_URL` when set).
   * `once`: not retried after a timeout, a 5xx, a reset or an unreadable
   * answer, for a mutation that would repeat itself if GitHub had applied it
   * after all (a comment, a close): apply.ts reads before repeating it.
   */
  graphql<T>(query: string, variables: Record<string, unknown>, once?: boolean): Promise<T>
  /** When a primary rate limit stopped the run: the time its budget resets. */
  readonly rateLimitResetAt: () => Date | undefined
  /** How long one attempt may take: a write that timed out may land within as much again. */
  readonly attemptTimeoutMs: number
  /** Waits as long as one attempt may take (the client's clock). */
  waitOutAttempt(): Promise<void>
  /** Comments one request may carry: no more than GitHub allows in its window. */
  readonly contentPerRequest: number
  /** Waits, when need be, until `count` more comments keep within GitHub's content limit. */
  reserveContent(count: number): Promise<void>
}

/** `GITHUB_GRAPHQL_URL`, else derived from the REST URL as GitHub lays it out (GHES: /api/graphql). */
export function graphqlUrlFor(apiUrl: string, explicit: string | undefined): string {
  if (explicit !== undefined && explicit.trim() !== '') return explicit.trim()
  const base = apiUrl.replace(/\/+$/, '')
  return base.endsWith('/api/v3')
    ? `${base.slice(0, -'/api/v3'.length)}/api/graphql`
    : `${base}/graphql`
}

/** GitHub answers an exhausted GraphQL budget with 200 and an error of type RATE_LIMITED. */
function graphqlRateLimited(data: unknown): boolean {
  const errors = (data as { errors?: unknown } | null)?.errors
  return (
    Array.isArray(errors) &&
    errors.some((e) => {
      const type = (e as { type?: unknown }).type
      return type === 'RATE_LIMITED' || type === 'RATE_LIMIT'
    })
  )
}

/**
 * What is wrong with a successful answer's body, if anything: every answer
 * the action asks for is a JSON object or array, and a GraphQL one carries
 * `data` or `errors`. An HTML page, JSON cut short or a body without `data`
 * must not be read as "nothing there" (a milestone's description wiped, a
 * crash on the missing field).
 */
export function malformedAnswer(
  status: number,
  data: unknown,
  graphql: boolean
): string | undefined {
  if (status === 204 || status === 205 || status < 200 || status >= 300) return undefined
  if (typeof data !== 'object' || data === null || data instanceof ArrayBuffer) {
    const text = typeof data === 'string' ? data.trim() : ''
    return text === '' ? 'an empty body' : `not JSON (${JSON.stringify(text.slice(0, 40))}…)`
  }
  if (graphql && !Array.isArray(data) && !('data' in data) && !('errors' in data)) {
    return 'no data'
  }
  return undefined
}

/** The seconds a 429 asks to wait (`retry-after`: seconds or an HTTP date), if it says. */
function retryAfterSeconds(value: unknown, now: number): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds))
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000))
}

/**
 * A 429 that the throttling plugin does not take for a rate limit: neither
 * `secondary rate` in its message nor `x-ratelimit-remaining: 0` (the plugin
 * handles those). Undefined when the plugin does.
 */
function plainTooManyRequests(error: unknown): { retryAfter: string | undefined } | undefined {
  const e = error as {
    status?: unknown
    message?: unknown
    response?: { headers?: Record<string, unknown> }
  } | null
  if (e?.status !== 429) return undefined
  const headers = e.response?.headers ?? {}
  if (typeof e.message === 'string' && /\bsecondary rate\b/i.test(e.message)) return undefined
  if (headers['x-ratelimit-remaining'] === '0') return undefined
  const after = headers['retry-after']
  return { retryAfter: typeof after === 'string' ? after : undefined }
}

interface GuardOptions {
  readonly timing: ClientTiming
  readonly exhaustedUntil: () => Date | undefined
  readonly graphqlUrl: string
  readonly onWait: (message: string) => void
}

/**
 * Guards each attempt, inside the retry and throttling plugins (it is
 * registered first): an attempt GitHub does not answer in time is aborted and
 * turned into a retryable RequestError (an AbortError alone is not retried);
 * an answer whose body cannot be read becomes a 502 (retried, and for a
 * comment or a close settled by a read in apply.ts); a plain 429 is waited
 * out for the `retry-after` it names (bounded like every wait), which the
 * throttling plugin does only when the message says "secondary rate"; a
 * GraphQL RATE_LIMITED answer becomes the 403 the throttling plugin waits
 * out, also on GHES, whose /api/graphql path the plugin does not recognise.
 */
function attemptGuard({ timing, exhaustedUntil, graphqlUrl, onWait }: GuardOptions): Plugin {
  const timeoutMs = timing.attemptTimeoutMs
  const clock = timing.clock ?? REAL_CLOCK
  return (octokit): void => {
    octokit.hook.wrap('request', async (request, options) => {
      const attempt = async () => {
        // After a rate limit that is not waited for, nothing more is sent before it resets.
        const until = exhaustedUntil()
        if (until !== undefined && until.getTime() > Date.now()) {
          throw new Error(
            `not sent: the GitHub API rate limit is exhausted until ${until.toISOString()}`
          )
        }
        const signal = clock.attemptSignal(timeoutMs)
        let response
        try {
          // The hooks inside this one (token auth among them) are bound to this
          // very options object: the signal must be set on it, not on a copy.
          // Only the signal is added: the rest (getOctokit's proxy-aware fetch) stays.
          options.request = { ...options.request, signal }
          response = await request(options)
        } catch (error) {
          if (signal.aborted) {
            throw new RequestError(`${TIMED_OUT} ${timeoutMs / 1000} s`, 504, {
              // The retry plugin keeps its count in request.request: hand the options back whole.
              request: options
            })
          }
          throw error
        }
        const graphql = options.url === graphqlUrl || /\/graphql$/.test(options.url)
        const malformed = malformedAnswer(response.status, response.data, graphql)
        if (malformed !== undefined) {
          throw new RequestError(
            `${MALFORMED} (HTTP ${response.status}, ${malformed})`,
            MALFORMED_STATUS,
            { request: options, response }
          )
        }
        if (graphqlRateLimited(response.data)) {
          throw new RequestError('GraphQL API rate limit exceeded', 403, {
            request: options,
            response: {
              ...response,
              headers: { ...response.headers, 'x-ratelimit-remaining': '0' }
            }
          })
        }
        return response
      }
      for (let waited = 0; ; waited++) {
        try {
          return await attempt()
        } catch (error) {
          const limited = plainTooManyRequests(error)
          if (limited === undefined) throw error
          // No retry-after: a transient refusal, waited like a 5xx (1, 4, 9 units).
          const seconds = retryAfterSeconds(limited.retryAfter, Date.now()) ?? (waited + 1) ** 2
          if (seconds > timing.maxRateLimitWaitSeconds) throw error
          const retrying = waited < timing.retries
          // Out of retries, the request fails; still nothing else is sent before the wait is up.
          onWait(
            `GitHub answered 429 (too many requests) on ${options.method} ${options.url}; waiting ${seconds} s before ${retrying ? 'retrying' : 'sending anything else, with no retry left'}.`
          )
          await clock.sleep(seconds * timing.retryUnitMs)
          if (!retrying) throw error
        }
      }
    })
  }
}

export function createGitHub(options: ClientOptions): GitHub {
  const timing = options.timing ?? DEFAULT_TIMING
  const onWait = options.onWait ?? (() => undefined)
  const onPause = options.onPause ?? (() => undefined)
  const clock = timing.clock ?? REAL_CLOCK
  const content = new ContentPace({
    perWindow: timing.contentPerWindow,
    windowMs: timing.contentWindowMs,
    now: clock.now,
    sleep: clock.sleep
  })
  let resetAt: Date | undefined
  // Waits are bounded: a limit that resets later fails the step instead.
  const mayWait = (retryAfter: number, retryCount: number): boolean =>
    retryAfter <= timing.maxRateLimitWaitSeconds && retryCount < timing.retries

  const baseUrl = options.apiUrl.replace(/\/+$/, '')
  // No `request` option here: it would replace getOctokit's proxy-aware fetch wholesale.
  const rest = getOctokit(
    options.token,
    {
      baseUrl,
      userAgent: USER_AGENT,
      throttle: {
        // The plugin's own write group already spaces writes by one second.
        ...(timing.writeSpacingMs === DEFAULT_TIMING.writeSpacingMs
          ? {}
          : { write: new Bottleneck.Group({ maxConcurrent: 1, minTime: timing.writeSpacingMs }) }),
        // The handlers below wait on the client's clock (the plugin awaits them),
        // so the plugin itself retries at once: every rate-limit wait is the clock's.
        retryAfterBaseValue: 0,
        fallbackSecondaryRateRetryAfter: 60,
        // eslint-disable-next-line @typescript-eslint/no-misused-promises -- awaited by the plugin (Bottleneck's Events.trigger); its types say void
        onRateLimit: async (
          retryAfter: number,
          request: LimitedRequest,
          _o: unknown,
          retryCount: number
        ) => {
          if (mayWait(retryAfter, retryCount)) {
            onWait(
              `GitHub API rate limit reached on ${request.method} ${request.url}; waiting ${retryAfter} s for it to reset.`
            )
            await clock.sleep(retryAfter * timing.retryUnitMs)
            return true
          }
          resetAt = new Date(Date.now() + retryAfter * 1000)
          return false
        },
        // eslint-disable-next-line @typescript-eslint/no-misused-promises -- awaited by the plugin (Bottleneck's Events.trigger); its types say void
        onSecondaryRateLimit: async (
          retryAfter: number,
          request: LimitedRequest,
          _o: unknown,
          retryCount: number
        ) => {
          if (retryAfter > timing.maxRateLimitWaitSeconds) return false
          const retrying = mayWait(retryAfter, retryCount)
          // Out of retries, the request fails; still nothing else is sent before the wait is up.
          onWait(
            `GitHub secondary rate limit on ${request.method} ${request.url}; waiting ${retryAfter} s before ${retrying ? 'retrying' : 'sending anything else, with no retry left'}.`
          )
          await clock.sleep(retryAfter * timing.retryUnitMs)
          return retrying
        }
      },
      retry: {
        retries: timing.retries,
        retryAfterBaseValue: timing.retryUnitMs,
        // 429 is a rate limit: the throttling plugin or attemptGuard waits the retry-after it names.
        doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451]
      }
    },
    attemptGuard({ timing, exhaustedUntil: () => resetAt, graphqlUrl: options.graphqlUrl, onWait }),
    retry,
    throttling
  )

  return {
    octokit: rest,
    graphql: <T>(query: string, variables: Record<string, unknown>, once = false) =>
      // The object form: `url` is refused next to a query string.
      rest.graphql<T>({
        query,
        ...variables,
        url: options.graphqlUrl,
        ...(once ? { request: { retries: 0 } } : {})
      }),
    rateLimitResetAt: () => resetAt,
    attemptTimeoutMs: timing.attemptTimeoutMs,
    waitOutAttempt: () => clock.sleep(timing.attemptTimeoutMs),
    contentPerRequest: content.perWindow,
    reserveContent: (count) =>
      content.reserve(count, (ms) =>
        onPause(
          `Pausing ${Math.ceil(ms / 1000)} s: GitHub accepts about ${timing.contentPerWindow} new comments per ${timing.contentWindowMs / 1000} s.`
        )
      )
  }
}
