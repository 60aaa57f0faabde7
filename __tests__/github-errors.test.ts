import { describe, expect, it } from '@jest/globals'
import { RequestError } from '@octokit/request-error'
import { answerLost, classify, describeError, isAlreadyExists } from '../src/github/errors.js'

const request = { method: 'POST' as const, url: 'https://api.github.com/graphql', headers: {} }
const response = (status: number, headers: Record<string, string> = {}, data: unknown = {}) => ({
  status,
  url: request.url,
  headers,
  data
})

describe('classify: what a failed request means, from its status and response', () => {
  it.each([
    ['404', new RequestError('Not Found', 404, { request, response: response(404) }), 'gone'],
    ['410', new RequestError('Gone', 410, { request, response: response(410) }), 'gone'],
    [
      '429',
      new RequestError('Too many', 429, { request, response: response(429) }),
      'rate-limited'
    ],
    [
      '403 with no budget left',
      new RequestError('x', 403, {
        request,
        response: response(403, { 'x-ratelimit-remaining': '0' })
      }),
      'rate-limited'
    ],
    ['403 forbidden', new RequestError('x', 403, { request, response: response(403) }), 'http'],
    // The client's timed-out attempt: a 504 with no response (a gateway's 504 has one).
    ['timed-out attempt', new RequestError('any words', 504, { request }), 'timeout'],
    ['gateway 504', new RequestError('x', 504, { request, response: response(504) }), 'http'],
    ['502', new RequestError('x', 502, { request, response: response(502) }), 'http'],
    ['no status', new Error('socket hang up'), 'network']
  ])('%s → %s', (_what, error, reason) => {
    expect(classify(error)).toBe(reason)
  })

  it('does not read the message: a timeout is one whatever its words', () => {
    expect(classify(new RequestError('GitHub answered 200', 504, { request }))).toBe('timeout')
    expect(
      classify(
        new RequestError('GitHub did not answer within 8 s', 500, {
          request,
          response: response(500)
        })
      )
    ).toBe('http')
  })

  it('a 5xx (timeouts and unreadable answers included) loses the answer; a 4xx does not', () => {
    expect(answerLost(new RequestError('x', 504, { request }))).toBe(true)
    expect(answerLost(new RequestError('x', 502, { request, response: response(502) }))).toBe(true)
    expect(answerLost(new RequestError('x', 422, { request, response: response(422) }))).toBe(false)
  })

  it('knows a 422 already_exists', () => {
    const exists = response(422, {}, { errors: [{ code: 'already_exists' }] })
    expect(isAlreadyExists(new RequestError('x', 422, { request, response: exists }))).toBe(true)
    expect(isAlreadyExists(new RequestError('x', 422, { request, response: response(422) }))).toBe(
      false
    )
  })
})

describe('describeError', () => {
  it('gives the status and GitHub message, never request headers', () => {
    const error = Object.assign(new Error('Bad credentials'), {
      status: 401,
      request: { headers: { authorization: 'token secret-value' } }
    })
    expect(describeError(error)).toBe('HTTP 401: Bad credentials')
    expect(describeError('plain')).toBe('plain')
  })
})
