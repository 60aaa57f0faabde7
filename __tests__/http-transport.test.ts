/**
 * src/github/http-transport.ts stands in for fetch under Octokit: what fetch
 * does that the action relies on (methods, bodies, headers, redirects with
 * the token kept to its origin, aborts, failures as TypeError), checked
 * against real HTTP servers on 127.0.0.1.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Octokit } from '@octokit/core'
import { MAX_REDIRECTS, nodeFetch, transportFetch } from '../src/github/http-transport.js'

interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
  readonly socket: number
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void

interface TestServer {
  readonly origin: string
  readonly seen: Seen[]
  /** When each connection that carried a request closed (ms since the epoch). */
  readonly closedAt: number[]
  handle: Handler
  close(): Promise<void>
}

async function serve(): Promise<TestServer> {
  const seen: Seen[] = []
  const sockets = new Map<object, number>()
  const closedAt: number[] = []
  const state: TestServer = {
    origin: '',
    seen,
    closedAt,
    handle: (_req, res) => res.end(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      if (!sockets.has(req.socket)) {
        sockets.set(req.socket, sockets.size + 1)
        req.socket.once('close', () => closedAt.push(Date.now()))
      }
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        socket: sockets.get(req.socket) ?? 0
      })
      state.handle(req, res, body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return Object.assign(state, { origin: `http://127.0.0.1:${port}` })
}

let a: TestServer
let b: TestServer

beforeAll(async () => {
  a = await serve()
  b = await serve()
})

afterEach(() => {
  a.seen.length = 0
  b.seen.length = 0
})

afterAll(async () => {
  await Promise.all([a.close(), b.close()])
})

const json = (res: http.ServerResponse, status: number, value: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
  res.end(JSON.stringify(value))
}

describe('requests and answers', () => {
  it('sends the method, headers and body, and reads status, headers and body back', async () => {
    a.handle = (_req, res) => {
      res.setHeader('set-cookie', ['one=1', 'two=2'])
      res.setHeader('x-ratelimit-remaining', '4999')
      json(res, 201, { created: true })
    }
    const response = await transportFetch(`${a.origin}/repos/acme/app/labels?x=1`, {
      method: 'post',
      headers: { authorization: 'token t', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'débussy 🎼' })
    })
    expect(a.seen).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: '/repos/acme/app/labels?x=1',
        body: '{"name":"débussy 🎼"}'
      })
    ])
    expect(a.seen[0]?.headers).toMatchObject({
      authorization: 'token t',
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength('{"name":"débussy 🎼"}')),
      // Nothing inflates a compressed answer: the body is asked for as it is.
      'accept-encoding': 'identity'
    })
    expect(response.status).toBe(201)
    expect(response.ok).toBe(true)
    expect(response.url).toBe(`${a.origin}/repos/acme/app/labels?x=1`)
    expect(response.headers.get('X-RateLimit-Remaining')).toBe('4999')
    expect(response.headers.get('set-cookie')).toBe('one=1, two=2')
    expect(response.headers.get('nope')).toBeNull()
    expect(Object.fromEntries(response.headers)).toMatchObject({ 'x-ratelimit-remaining': '4999' })
    expect(await response.json()).toEqual({ created: true })
  })

  it('decodes UTF-8 split across chunks whole', async () => {
    const text = '🎼'.repeat(5000)
    a.handle = (_req, res) => {
      const bytes = Buffer.from(text)
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
      // Odd-sized pieces cut every four-byte character somewhere.
      for (let i = 0; i < bytes.length; i += 1001) res.write(bytes.subarray(i, i + 1001))
      res.end()
    }
    expect(await (await transportFetch(a.origin)).text()).toBe(text)
  })

  it('answers 204 with an empty body and 404 as a response, not an error', async () => {
    a.handle = (req, res) => {
      if (req.url === '/gone') json(res, 404, { message: 'Not Found' })
      else res.writeHead(204).end()
    }
    const empty = await transportFetch(`${a.origin}/empty`, { method: 'DELETE' })
    expect([empty.status, await empty.text()]).toEqual([204, ''])
    const missing = await transportFetch(`${a.origin}/gone`)
    expect([missing.status, missing.ok, await missing.json()]).toEqual([
      404,
      false,
      { message: 'Not Found' }
    ])
    expect(new Uint8Array(await missing.arrayBuffer())).toEqual(
      new Uint8Array(Buffer.from('{"message":"Not Found"}'))
    )
  })

  it('keeps the connection alive between requests', async () => {
    a.handle = (_req, res) => json(res, 200, {})
    await (await transportFetch(a.origin)).text()
    await (await transportFetch(a.origin)).text()
    await (await transportFetch(a.origin, { method: 'POST', body: '{}' })).text()
    expect(a.seen.map((s) => s.socket)).toEqual([
      a.seen[0]?.socket,
      a.seen[0]?.socket,
      a.seen[0]?.socket
    ])
  })
})

describe('kept-alive connections', () => {
  /** The server closes a kept-alive connection when the second request on it arrives. */
  function resetReusedOnce(): void {
    let reset = true
    a.handle = (req, res) => {
      const reused = a.seen.filter((s) => s.socket === a.seen.at(-1)?.socket).length > 1
      if (reused && reset) {
        reset = false
        req.socket.destroy() // what a server that closed the idle connection looks like
      } else json(res, 200, { n: a.seen.length })
    }
  }

  it.each(['GET', 'HEAD', 'OPTIONS'])(
    'sends a %s again on a new connection when a reused one turns out closed, before any answer',
    async (method) => {
      resetReusedOnce()
      await (await transportFetch(a.origin)).text()
      const again = await transportFetch(`${a.origin}/again`, { method })
      expect(again.status).toBe(200)
      const [first, stale, fresh] = a.seen
      expect(stale?.socket).toBe(first?.socket)
      expect(fresh?.socket).not.toBe(first?.socket)
      expect(fresh?.url).toBe('/again')
    }
  )

  // SPEC §7: the server may have made the write before the connection went
  // (a comment posted twice): as undici, only idempotent requests go again.
  it.each(['POST', 'PATCH', 'PUT', 'DELETE'])(
    'never sends a %s again by itself: it reached the server, which may have applied it',
    async (method) => {
      resetReusedOnce()
      await (await transportFetch(a.origin)).text()
      await expect(transportFetch(a.origin, { method, body: '{"q":1}' })).rejects.toBeInstanceOf(
        TypeError
      )
      expect(a.seen.map((s) => s.method)).toEqual(['GET', method])
    }
  )

  it('does not send again when the answer had begun', async () => {
    a.handle = (_req, res) => {
      res.writeHead(200, { 'content-length': '50' })
      res.write('{"partial":')
      setTimeout(() => res.socket?.destroy(), 10)
    }
    await expect(transportFetch(a.origin, { method: 'POST', body: '{}' })).rejects.toBeInstanceOf(
      TypeError
    )
    expect(a.seen).toHaveLength(1)
  })

  it('closes a connection left idle for 4 s, so that none outlives a long wait', async () => {
    const idle = await serve()
    try {
      idle.handle = (_req, res) => json(res, 200, {})
      const answeredAt = Date.now()
      await (await transportFetch(idle.origin)).text()
      await new Promise((resolve) => setTimeout(resolve, 4_600))
      expect(idle.closedAt).toHaveLength(1)
      const idleFor = (idle.closedAt[0] ?? 0) - answeredAt
      expect(idleFor).toBeGreaterThanOrEqual(3_500)
      expect(idleFor).toBeLessThan(4_600)
    } finally {
      await idle.close()
    }
  }, 10_000)
})

describe('redirects, as fetch follows them', () => {
  it('follows a 301 for a GET and reports the final URL', async () => {
    a.handle = (req, res) => {
      if (req.url === '/repos/old/name') {
        res.writeHead(301, { location: '/repositories/42' }).end()
      } else json(res, 200, { id: 42 })
    }
    const response = await transportFetch(`${a.origin}/repos/old/name`, {
      headers: { authorization: 'token t' }
    })
    expect(await response.json()).toEqual({ id: 42 })
    expect(response.url).toBe(`${a.origin}/repositories/42`)
    expect(response.redirected).toBe(true)
    expect(a.seen.map((s) => [s.method, s.url, s.headers.authorization])).toEqual([
      ['GET', '/repos/old/name', 'token t'],
      ['GET', '/repositories/42', 'token t']
    ])
  })

  it('keeps method and body through 307 and 308, and turns a POST into a GET through 301, 302, 303', async () => {
    for (const status of [301, 302, 303, 307, 308]) {
      a.seen.length = 0
      a.handle = (req, res) => {
        if (req.url === '/from') res.writeHead(status, { location: '/to' }).end()
        else json(res, 200, {})
      }
      await transportFetch(`${a.origin}/from`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}'
      })
      const second = a.seen[1]
      const keeps = status === 307 || status === 308
      expect([status, second?.method, second?.body, second?.headers['content-type']]).toEqual([
        status,
        keeps ? 'POST' : 'GET',
        keeps ? '{"a":1}' : '',
        keeps ? 'application/json' : undefined
      ])
    }
  })

  it('never carries the token to another origin', async () => {
    a.handle = (_req, res) => res.writeHead(302, { location: `${b.origin}/elsewhere` }).end()
    b.handle = (_req, res) => json(res, 200, { ok: 1 })
    const response = await transportFetch(`${a.origin}/start`, {
      headers: { Authorization: 'token secret', accept: 'application/json' }
    })
    expect(await response.json()).toEqual({ ok: 1 })
    expect(a.seen[0]?.headers.authorization).toBe('token secret')
    expect(b.seen[0]?.headers.authorization).toBeUndefined()
    expect(b.seen[0]?.headers.accept).toBe('application/json')
  })

  it("returns the redirect itself with redirect: 'manual', and fails with 'error'", async () => {
    a.handle = (_req, res) => res.writeHead(301, { location: '/next' }).end()
    const manual = await transportFetch(a.origin, { redirect: 'manual' })
    expect([manual.status, manual.headers.get('location')]).toEqual([301, '/next'])
    await expect(transportFetch(a.origin, { redirect: 'error' })).rejects.toThrow(TypeError)
    expect(a.seen).toHaveLength(2)
  })

  it(`gives up after ${MAX_REDIRECTS} redirects in a row, and refuses a non-HTTP target`, async () => {
    a.handle = (req, res) => res.writeHead(302, { location: `${req.url ?? ''}x` }).end()
    await expect(transportFetch(`${a.origin}/`)).rejects.toThrow(/more than 20 redirects/)
    expect(a.seen).toHaveLength(MAX_REDIRECTS + 1)
    a.handle = (_req, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end()
    await expect(transportFetch(a.origin)).rejects.toThrow(/file: refused/)
  })
})

describe('failures, as fetch reports them', () => {
  it('an abort before the answer rejects with the AbortError', async () => {
    a.handle = () => undefined // never answers
    const controller = new AbortController()
    const pending = transportFetch(a.origin, { signal: controller.signal })
    setTimeout(() => controller.abort(), 50)
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('an abort in the middle of the body rejects too', async () => {
    a.handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"partial":')
    }
    const signal = AbortSignal.timeout(100)
    await expect(transportFetch(a.origin, { signal })).rejects.toMatchObject({
      name: 'AbortError'
    })
  })

  it('a signal already aborted sends nothing', async () => {
    await expect(transportFetch(a.origin, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError'
    })
    expect(a.seen).toEqual([])
  })

  it('a reset connection and a refused one are TypeErrors with the cause', async () => {
    a.handle = (req) => req.socket.destroy()
    const reset = await transportFetch(a.origin).catch((error: unknown) => error)
    expect(reset).toBeInstanceOf(TypeError)
    // Node's errors come from another realm under Jest: compare what they say.
    expect(String((reset as TypeError).cause)).toMatch(/socket hang up|ECONNRESET/)

    a.handle = (_req, res) => {
      res.writeHead(200, { 'content-length': '100' })
      res.write('{"cut":')
      setTimeout(() => res.socket?.destroy(), 20)
    }
    await expect(transportFetch(a.origin)).rejects.toBeInstanceOf(TypeError)

    const closed = await serve()
    const origin = closed.origin
    await closed.close()
    const refused = await transportFetch(origin).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(TypeError)
    expect(String((refused as TypeError).cause)).toMatch(/ECONNREFUSED/)
  })

  it('refuses a body it cannot send and a scheme it does not speak', async () => {
    await expect(
      transportFetch(a.origin, { method: 'POST', body: {} as unknown as string })
    ).rejects.toThrow(/only string and byte bodies/)
    await expect(transportFetch('ftp://127.0.0.1/')).rejects.toThrow(/ftp: is not supported/)
    expect(a.seen).toEqual([])
  })
})

describe('under Octokit', () => {
  it('Octokit reads JSON answers and turns error statuses into RequestErrors with the body', async () => {
    a.handle = (req, res) => {
      if (req.url === '/repos/acme/app/labels/nope') {
        json(res, 404, { message: 'Not Found', documentation_url: 'https://docs' })
      } else json(res, 200, { name: 'bug', node_id: 'L_1' })
    }
    const octokit = new Octokit({ auth: 'ghs_x', baseUrl: a.origin, request: { fetch: nodeFetch } })
    const { data, status } = await octokit.request('GET /repos/{owner}/{repo}/labels/{name}', {
      owner: 'acme',
      repo: 'app',
      name: 'bug'
    })
    expect([status, data]).toEqual([200, { name: 'bug', node_id: 'L_1' }])
    expect(a.seen[0]?.headers.authorization).toBe('token ghs_x')
    await expect(
      octokit.request('GET /repos/{owner}/{repo}/labels/{name}', {
        owner: 'acme',
        repo: 'app',
        name: 'nope'
      })
    ).rejects.toMatchObject({ status: 404, message: 'Not Found - https://docs' })
  })
})
