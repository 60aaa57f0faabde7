import { describe, expect, it } from '@jest/globals'
import type { MasterPlan } from '../src/domain.js'
import { completionComment, completionMarker, inertText } from '../src/plan-text.js'
import { masterPlan } from '../test-support/domain-builders.js'

const plan = (title: string): MasterPlan => masterPlan({ path: 'docs/plans/x.md', title })

describe('inertText', () => {
  it.each([
    ['@payments-team', /@[a-z]/],
    ['ping @octocat please', /@octocat/],
    ['fixes #12 and acme/app#3', /#\d/],
    ['<img src=x onerror=alert(1)>', /(?<!\\)<img/],
    ['[click](https://evil.example)', /\]\(/],
    ['**bold** _it_ `code`', /\*\*bold\*\*/],
    ['line\nbreak\r\nthere', /\n/],
    ['see https://evil.example/x', /https:\/\//],
    ['or www.evil.example', /www\./],
    // GitHub autolinks GH-12 to issue 12, in any case.
    ['closes GH-12', /GH-\d/i],
    ['and gh-7,GH-8', /GH-\d/i],
    // Bidirectional controls show text in another order than it is (U+202E reverses it).
    ['Retry \u202Edeifitrec\u202C queue', /[\u202a-\u202e]/],
    [
      'isolates \u2066x\u2069 \u2067y\u2069 \u2068z\u2069 marks \u200e\u200f\u061c',
      /[\u2066-\u2069\u200e\u200f\u061c]/
    ],
    // eslint-disable-next-line no-control-regex -- control characters are what it must not carry
    ['controls \u0007\u001b[31m\u0085', /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/]
  ])('neutralises %j', (text, forbidden) => {
    expect(inertText(text)).not.toMatch(forbidden)
  })

  it('keeps the words readable', () => {
    expect(inertText('Retry queue v2').normalize()).toBe('Retry queue v2')
  })

  it('shortens very long text', () => {
    expect(inertText('a'.repeat(500), 50)).toHaveLength(51)
  })
})

describe('completionComment', () => {
  it('names the plan inertly, the progress, and carries the plan marker', () => {
    const body = completionComment(plan('Queue @team #5'), { completed: 4, total: 4, percent: 100 })
    expect(body).toContain('(4/4 phases)')
    expect(body).not.toMatch(/@team|#5/)
    expect(completionComment(plan('Fix GH-12 \u202Enow'), undefined)).not.toMatch(/GH-12|\u202e/)
    expect(body).toContain(completionMarker('docs/plans/x.md'))
  })

  it('marks each plan differently, and a path cannot end the marker early', () => {
    expect(completionMarker('a.md')).not.toBe(completionMarker('b.md'))
    expect(completionMarker('x-->y').match(/-->/g)).toHaveLength(1)
  })
})
