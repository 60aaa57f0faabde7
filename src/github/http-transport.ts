/**
 * The `fetch` Octokit sends the action's requests with: node:http and
 * node:https with keep-alive, answering with the part of the Fetch API's
 * Response that Octokit reads. Node's own fetch would do the same, but it is
 * undici inside Node, compiled on first use: about 35 ms of a cold process's
 * startup, a seventh of the budget the action has before its first request.
 * This module costs next to nothing to load.
 *
 * It does what the action needs of fetch and no more: string bodies, the
 * whole answer buffered (GitHub's answers here are small JSON), redirects
 * followed as fetch follows them (the Authorization header dropped when one
 * leaves the origin), an AbortSignal, and kept-alive connections handled as
 * undici handles them (closed after 4 s idle; one found closed is replaced,
 * for a request that changes nothing).
 * A proxy goes through proxy-transport.ts instead.
 */
import type http from 'node:http'
import { createRequire } from 'node:module'

export type Fetch = typeof globalThis.fetch

/** What the transport accepts of fetch's options (all Octokit passes). */
export interface TransportInit {
  readonly method?: string
  readonly headers?: Record<string, string>
  readonly body?: string | Uint8Array | null
  readonly redirect?: 'follow' | 'manual' | 'error'
  readonly signal?: AbortSignal | null
}

/** fetch's limit on redirects in a row. */
export const MAX_REDIRECTS = 20

/**
 * An idle kept-alive connection is closed after this long (a server's shorter
 * `Keep-Alive: timeout` wins), as undici does: one a NAT or load balancer has
 * silently dropped during a rate-limit wait must not be reused.
 */
const IDLE_SOCKET_MS = 4_000

/** A kept-alive connection the server had already closed is retried on a fresh one, this often. */
const STALE_SOCKET_RETRIES = 2

/**
 * The methods sent again by themselves after a reused connection was reset:
 * those that change nothing, as undici decides. A POST or PATCH may have
 * reached GitHub and been applied before the connection went (a comment
 * posted twice); its caller finds out by reading (apply.ts), never here.
 */
const RESENDABLE = new Set(['GET', 'HEAD', 'OPTIONS'])

type HttpModule = Pick<typeof http, 'request' | 'Agent'>

interface Protocol {
  readonly client: HttpModule
  readonly agent: http.Agent
}

const requireBuiltin = createRequire(import.meta.url)
const protocols = new Map<string, Protocol>()

/**
 * node:http or node:https with its keep-alive agent, loaded on first use: a
 * run against https://api.github.com never loads node:http, whose exports
 * load undici on Node 24 (for its WebSocket class), and a plain-http GitHub
 * Enterprise Server never loads TLS.
 */
function protocolFor(scheme: string): Protocol | undefined {
  const known = protocols.get(scheme)
  if (known !== undefined) return known
  let client: HttpModule
  if (scheme === 'https:') client = requireBuiltin('node:https') as HttpModule
  else if (scheme === 'http:') client = requireBuiltin('node:http') as HttpModule
  else return undefined
  const protocol = { client, agent: new client.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }) }
  protocols.set(scheme, protocol)
  return protocol
}

/** Response headers as fetch's Headers reads them: lower-case names, repeated ones joined. */
export class ResponseHeaders implements Iterable<[string, string]> {
  private readonly values = new Map<string, string>()

  constructor(raw: http.IncomingHttpHeaders) {
    for (const [name, value] of Object.entries(raw)) {
      if (value === undefined) continue
      this.values.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : value)
    }
  }

  get(name: string): string | null {
    return this.values.get(name.toLowerCase()) ?? null
  }

  has(name: string): boolean {
    return this.values.has(name.toLowerCase())
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.values.entries()
  }
}

/** The answer, whole: what Octokit reads of a fetch Response. */
export class TransportResponse {
  readonly ok: boolean
  readonly redirected: boolean

  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly url: string,
    readonly headers: ResponseHeaders,
    private readonly bytes: Buffer,
    redirects: number
  ) {
    this.ok = status >= 200 && status < 300
    this.redirected = redirects > 0
  }

  text(): Promise<string> {
    return Promise.resolve(this.bytes.toString('utf8'))
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    const copy = new ArrayBuffer(this.bytes.byteLength)
    new Uint8Array(copy).set(this.bytes)
    return Promise.resolve(copy)
  }
}

interface Attempt {
  readonly url: URL
  readonly method: string
  readonly headers: Record<string, string>
  readonly body: string | Uint8Array | undefined
}

/** One request and its whole answer; network failures reject as fetch's do, TypeError with a cause. */
function send(
  attempt: Attempt,
  signal: AbortSignal | undefined,
  staleRetries = STALE_SOCKET_RETRIES
): Promise<{
  readonly status: number
  readonly statusText: string
  readonly headers: http.IncomingHttpHeaders
  readonly bytes: Buffer
}> {
  const protocol = protocolFor(attempt.url.protocol)
  if (protocol === undefined) {
    return Promise.reject(new TypeError(`fetch failed: ${attempt.url.protocol} is not supported`))
  }
  const { client, agent } = protocol
  const headers: Record<string, string | number> = { ...attempt.headers }
  if (attempt.body !== undefined) headers['content-length'] = Buffer.byteLength(attempt.body)
  // Nothing here decompresses: ask for the body as it is (fetch would accept gzip and inflate it).
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'accept-encoding')) {
    headers['accept-encoding'] = 'identity'
  }
  return new Promise((resolve, reject) => {
    let answered = false
    const fail = (error: Error): void => {
      // An abort stays an AbortError, as fetch reports it; anything else is fetch's TypeError.
      reject(
        signal?.aborted || error.name === 'AbortError'
          ? error
          : new TypeError('fetch failed', { cause: error })
      )
    }
    const request = client.request(
      attempt.url,
      { method: attempt.method, headers, agent, ...(signal ? { signal } : {}) },
      (response) => {
        answered = true
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('error', fail)
        response.on('close', () => {
          if (!response.complete)
            fail(new Error('the connection closed before the answer was whole'))
        })
        response.on('end', () => {
          if (!response.complete) return
          resolve({
            status: response.statusCode ?? 0,
            statusText: response.statusMessage ?? '',
            headers: response.headers,
            bytes: Buffer.concat(chunks)
          })
        })
      }
    )
    request.on('error', (error: Error & { code?: string }) => {
      // Node's advice for keep-alive: a reused connection reset before any
      // answer was likely closed by the server while idle; send again on a
      // new one, when sending twice can do no harm.
      if (
        request.reusedSocket &&
        RESENDABLE.has(attempt.method) &&
        !answered &&
        error.code === 'ECONNRESET' &&
        staleRetries > 0 &&
        !signal?.aborted
      ) {
        resolve(send(attempt, signal, staleRetries - 1))
      } else fail(error)
    })
    request.end(attempt.body)
  })
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])

/** fetch's redirect rules: which method and body the next request carries. */
function nextAttempt(attempt: Attempt, status: number, location: URL): Attempt {
  const toGet =
    (status === 303 && attempt.method !== 'GET' && attempt.method !== 'HEAD') ||
    ((status === 301 || status === 302) && attempt.method === 'POST')
  const headers = { ...attempt.headers }
  if (toGet) {
    for (const name of Object.keys(headers)) {
      if (/^content-/i.test(name)) delete headers[name]
    }
  }
  // A token is for the origin it was sent to, never for where that one points.
  if (location.origin !== attempt.url.origin) {
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase() === 'authorization') delete headers[name]
    }
  }
  return {
    url: location,
    method: toGet ? 'GET' : attempt.method,
    headers,
    body: toGet ? undefined : attempt.body
  }
}

/** fetch(input, init) over node:http / node:https, for Octokit's `request.fetch`. */
export async function transportFetch(
  input: string | URL,
  init: TransportInit = {}
): Promise<TransportResponse> {
  const body = init.body ?? undefined
  if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw new TypeError('fetch failed: only string and byte bodies are supported')
  }
  let attempt: Attempt = {
    url: new URL(input),
    method: (init.method ?? 'GET').toUpperCase(),
    headers: { ...init.headers },
    body
  }
  const signal = init.signal ?? undefined
  for (let redirects = 0; ; redirects++) {
    signal?.throwIfAborted()
    const answer = await send(attempt, signal)
    const location = answer.headers.location
    const mode = init.redirect ?? 'follow'
    if (!REDIRECTS.has(answer.status) || location === undefined || mode === 'manual') {
      return new TransportResponse(
        answer.status,
        answer.statusText,
        attempt.url.href,
        new ResponseHeaders(answer.headers),
        answer.bytes,
        redirects
      )
    }
    if (mode === 'error') {
      throw new TypeError(`fetch failed: redirected (${answer.status}) with redirect: 'error'`)
    }
    if (redirects >= MAX_REDIRECTS) {
      throw new TypeError(`fetch failed: more than ${MAX_REDIRECTS} redirects`)
    }
    const next = new URL(location, attempt.url)
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new TypeError(`fetch failed: redirect to ${next.protocol} refused`)
    }
    attempt = nextAttempt(attempt, answer.status, next)
  }
}

/** transportFetch with fetch's signature, for Octokit's `request.fetch`. */
export const nodeFetch = transportFetch as unknown as Fetch
