/**
 * Requests through the proxy the runner sets, loaded by client.ts only when
 * one applies: undici's fetch with `@actions/http-client`'s proxy dispatcher
 * (`https_proxy` / `http_proxy`, proxy credentials, `no_proxy`), the same
 * transport `@actions/github` gives its Octokit.
 */
import { HttpClient } from '@actions/http-client'
import { fetch as undiciFetch } from 'undici'

export function proxyFetch(apiUrl: string): typeof globalThis.fetch {
  const dispatcher = new HttpClient().getAgentDispatcher(apiUrl)
  const send = undiciFetch as unknown as (
    input: Parameters<typeof globalThis.fetch>[0],
    init: RequestInit & { dispatcher?: unknown }
  ) => Promise<Response>
  return (input, init) => send(input, { ...init, dispatcher })
}
