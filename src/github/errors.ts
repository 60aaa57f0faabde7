/**
 * What an error thrown by a GitHub request means, decided once where it is
 * caught: from its HTTP status, its response and its name, never from its
 * message text. describeError is how any module shows one to a person.
 */
import type { FailureReason } from '../domain.js'

interface RequestFailure {
  readonly status?: unknown
  readonly message?: unknown
  readonly response?: {
    readonly headers?: Record<string, unknown>
    readonly data?: { readonly errors?: readonly { readonly code?: unknown }[] }
  }
}

function fields(error: unknown): RequestFailure {
  return typeof error === 'object' && error !== null ? error : {}
}

function statusOf(error: unknown): number | undefined {
  const status = fields(error).status
  return typeof status === 'number' && status > 0 ? status : undefined
}

/** GitHub's own message, never request headers (the token is in them). */
export function describeError(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const e = fields(error)
    const status = statusOf(error)
    return `${status === undefined ? '' : `HTTP ${status}: `}${typeof e.message === 'string' ? e.message : 'unknown error'}`
  }
  return String(error)
}

/**
 * Why a request failed. A timeout is the 504 the client makes of an attempt
 * GitHub did not answer in time: it has no response, where a gateway's 504
 * has one (client.ts; see the report of issue #13 for a typed marker).
 */
export function classify(error: unknown): FailureReason {
  const status = statusOf(error)
  const response = fields(error).response
  if (status === undefined) return 'network'
  if (status === 404 || status === 410) return 'gone'
  if (status === 429) return 'rate-limited'
  if (status === 403 && response?.headers?.['x-ratelimit-remaining'] === '0') return 'rate-limited'
  if (status === 504 && response === undefined) return 'timeout'
  return 'http'
}

/**
 * A request whose answer was lost after it left: a reset, a timeout, a 5xx
 * or an answer that could not be read (the client reports those with a 5xx
 * status). A 4xx is GitHub's own answer: the write was not made.
 */
export function answerLost(error: unknown): boolean {
  const status = statusOf(error)
  return status !== undefined && status >= 500
}

/** A 422 saying the thing to create exists already (a label another run created). */
export function isAlreadyExists(error: unknown): boolean {
  return (
    statusOf(error) === 422 &&
    (fields(error).response?.data?.errors ?? []).some((e) => e.code === 'already_exists')
  )
}
