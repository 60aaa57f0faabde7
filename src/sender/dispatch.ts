/**
 * The sender's one write: `POST /repos/{owner}/{repo}/dispatches` with a
 * version-1 payload, through the action's own Octokit setup (createGitHub).
 * Octokit's retries are turned off here so that this module owns them:
 * bounded, with backoff, and each one announced on the terminal.
 */
import type { RepoRef } from '../domain.js'
import { DEFAULT_TIMING, createGitHub, type GitHub } from '../github/client.js'
import { describeError } from '../github/errors.js'
import { sleep, type Attempts } from './sleep.js'
import { eventType, type DispatchPayload } from './snapshot.js'

/** `attempts`: sends of one payload at most. */
export interface SendTiming extends Attempts {
  /** Backoff unit: waits of 1, 2, 4… units between attempts. */
  readonly backoffMs: number
  /** A rate limit that asks for a longer wait is not waited for. */
  readonly maxWaitMs: number
}

export const DEFAULT_SEND_TIMING: SendTiming = {
  attempts: 4,
  backoffMs: 1_000,
  maxWaitMs: 60_000,
  sleep
}

/** Sends one payload; resolves when GitHub accepted it, rejects with a SendError. */
export type Sender = (payload: DispatchPayload) => Promise<void>

export class SendError extends Error {
  constructor(
    message: string,
    /** A retry later cannot help (bad token, no such repository, a refused payload). */
    readonly permanent: boolean
  ) {
    super(message)
  }
}

const NETWORK_CODES: Readonly<Record<string, string>> = {
  ENOTFOUND: 'the host name does not resolve (DNS)',
  EAI_AGAIN: 'the host name could not be resolved right now (DNS)',
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out'
}

/** The error code of a network failure anywhere in an error's cause chain. */
function networkCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && code in NETWORK_CODES) return code
    const message = (e as { message?: unknown }).message
    if (typeof message === 'string') {
      const found = Object.keys(NETWORK_CODES).find((c) => message.includes(c))
      if (found !== undefined) return found
    }
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

/**
 * An error as the CLI says it: a DNS or connection failure by what it is
 * (Octokit reports them as "HTTP 500"), anything else as GitHub said it.
 */
export function describeFailure(error: unknown, apiUrl: string): string {
  const code = networkCode(error)
  if (code !== undefined) {
    let host = apiUrl
    try {
      host = new URL(apiUrl).host
    } catch {
      // keep the text as given
    }
    return `cannot reach ${host}: ${NETWORK_CODES[code]} (${code})`
  }
  return describeError(error)
}

const HINTS: Readonly<Record<number, string>> = {
  401: 'the token was refused: check GITHUB_TOKEN / GH_TOKEN or `gh auth login`',
  403: 'the token may not send dispatches: it needs the classic `repo` scope, or a fine-grained token with Contents: write on the repository',
  404: 'the repository was not found, or the token cannot see it: check --repo and that the token has the classic `repo` scope or fine-grained Contents: write',
  422: 'GitHub refused the payload'
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status
  return typeof status === 'number' ? status : undefined
}

function headerOf(error: unknown, name: string): string | undefined {
  const headers = (error as { response?: { headers?: Record<string, unknown> } } | null)?.response
    ?.headers
  const value = headers?.[name]
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined
}

/** How long a rate-limit answer asks to wait, in ms; undefined when it is not one. */
function rateLimitWait(error: unknown, now: number): number | undefined {
  const status = statusOf(error)
  if (status !== 403 && status !== 429) return undefined
  const retryAfter = headerOf(error, 'retry-after')
  if (retryAfter !== undefined) return Number(retryAfter) * 1000
  if (headerOf(error, 'x-ratelimit-remaining') === '0') {
    const reset = Number(headerOf(error, 'x-ratelimit-reset'))
    return Number.isFinite(reset) ? Math.max(0, reset * 1000 - now) : undefined
  }
  return status === 429 ? 60_000 : undefined
}

export interface DispatcherOptions {
  readonly repo: RepoRef
  readonly token: string
  readonly apiUrl: string
  /** Announces each retry (a line on stderr). */
  readonly onRetry: (message: string) => void
  readonly timing?: SendTiming
  /** For tests: a client other than createGitHub's. */
  readonly github?: GitHub
}

/** A Sender that posts to GitHub, retrying transient failures a bounded number of times. */
export function createDispatcher(options: DispatcherOptions): Sender {
  const timing = options.timing ?? DEFAULT_SEND_TIMING
  const github =
    options.github ??
    createGitHub({
      token: options.token,
      apiUrl: options.apiUrl,
      graphqlUrl: options.apiUrl,
      // One request per attempt: the retries are this module's, announced.
      timing: { ...DEFAULT_TIMING, retries: 0, writeSpacingMs: 0 }
    })
  const target = `${options.repo.owner}/${options.repo.repo}`
  return async (payload) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await github.octokit.request('POST /repos/{owner}/{repo}/dispatches', {
          owner: options.repo.owner,
          repo: options.repo.repo,
          event_type: eventType(payload.event),
          client_payload: { ...payload }
        })
        return
      } catch (error) {
        const status = statusOf(error)
        const reason = describeFailure(error, options.apiUrl)
        const wait = rateLimitWait(error, Date.now())
        const transient =
          networkCode(error) !== undefined ||
          wait !== undefined ||
          status === undefined ||
          status >= 500
        if (!transient) {
          const hint = status === undefined ? undefined : HINTS[status]
          throw new SendError(
            `dispatch to ${target} failed: ${reason}${hint ? ` (${hint})` : ''}`,
            true
          )
        }
        const delay = wait ?? timing.backoffMs * 2 ** (attempt - 1)
        if (attempt >= timing.attempts || delay > timing.maxWaitMs) {
          throw new SendError(
            `dispatch to ${target} failed after ${attempt} ${attempt === 1 ? 'try' : 'tries'}: ${reason}`,
            false
          )
        }
        options.onRetry(
          `send failed (${reason}); retrying in ${(delay / 1000).toFixed(delay < 1000 ? 1 : 0)} s (try ${attempt + 1} of ${timing.attempts})`
        )
        await timing.sleep(delay)
      }
    }
  }
}
