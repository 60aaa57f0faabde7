/**
 * A forward HTTP proxy on 127.0.0.1, as a self-hosted runner's network might
 * require: it tunnels CONNECT requests and forwards absolute-form ones, but
 * only to the hosts it is told about (each mapped to a loopback port), so a
 * test can give GitHub a name that exists nowhere else and no request can
 * leave the machine. Every request it sees is logged.
 */
import http from 'node:http'
import net from 'node:net'
import type { AddressInfo } from 'node:net'

export interface ProxiedRequest {
  /** `CONNECT` for a tunnel, else the forwarded request's method. */
  readonly method: string
  /** `host:port` the client asked for. */
  readonly target: string
  /** Whether the target was one of the mapped hosts. */
  readonly forwarded: boolean
  /** The Proxy-Authorization header, when the client sent one. */
  readonly proxyAuthorization: string | undefined
}

export interface TestProxy {
  /** `http://127.0.0.1:<port>`: the value for HTTP_PROXY / HTTPS_PROXY. */
  readonly url: string
  readonly requests: readonly ProxiedRequest[]
  close(): Promise<void>
}

/** `routes`: `host:port` → loopback port to connect to instead. */
export async function startProxy(routes: Record<string, number>): Promise<TestProxy> {
  const requests: ProxiedRequest[] = []
  const sockets = new Set<net.Socket>()
  const portFor = (target: string): number | undefined => routes[target.toLowerCase()]

  const server = http.createServer((req, res) => {
    // Absolute-form: `GET http://host:port/path HTTP/1.1`.
    let url: URL
    try {
      url = new URL(req.url ?? '')
    } catch {
      res.writeHead(400).end('absolute URL expected')
      return
    }
    const target = `${url.hostname}:${url.port || '80'}`
    const port = portFor(target)
    requests.push({
      method: req.method ?? '',
      target,
      forwarded: port !== undefined,
      proxyAuthorization: req.headers['proxy-authorization']
    })
    if (port === undefined) {
      res.writeHead(502).end(`the test proxy does not reach ${target}`)
      return
    }
    const headers = { ...req.headers }
    delete headers['proxy-authorization']
    delete headers['proxy-connection']
    const upstream = http.request(
      { host: '127.0.0.1', port, method: req.method, path: url.pathname + url.search, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      }
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })

  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = (req.url ?? '').toLowerCase()
    const port = portFor(target)
    requests.push({
      method: 'CONNECT',
      target,
      forwarded: port !== undefined,
      proxyAuthorization: req.headers['proxy-authorization']
    })
    if (port === undefined) {
      client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n')
      return
    }
    const upstream = net.connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    sockets.add(upstream)
    upstream.once('close', () => sockets.delete(upstream))
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}
