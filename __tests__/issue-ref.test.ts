import { describe, expect, it } from '@jest/globals'
import type { IssueRef } from '../src/domain.js'
import { InputError } from '../src/errors.js'
import {
  MAX_ISSUE_NUMBER,
  formatIssueRef,
  formatRepo,
  parseIssueRef,
  parseIssueRefs,
  parseRepo,
  repoKey,
  type RefContext
} from '../src/issue-ref.js'

const context: RefContext = {
  defaultRepo: { owner: 'acme', repo: 'payments' },
  serverHost: 'github.com'
}
const FIELD = 'plan github_issues (line 2)'

function ref(owner: string, repo: string, number: number): IssueRef {
  return { owner, repo, number }
}

function inputError(run: () => unknown): InputError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return error as InputError
  }
  throw new Error('expected an InputError, nothing was thrown')
}

describe('formatting', () => {
  it('prints repositories and refs as owner/repo and owner/repo#N, keys lower-cased', () => {
    expect(formatRepo({ owner: 'Acme', repo: 'Payments' })).toBe('Acme/Payments')
    expect(formatIssueRef(ref('Acme', 'Payments', 10))).toBe('Acme/Payments#10')
    expect(repoKey({ owner: 'Acme', repo: 'Payments.JS' })).toBe('acme/payments.js')
  })
})

describe('parseRepo', () => {
  it.each([
    ['acme/payments', { owner: 'acme', repo: 'payments' }],
    ['  acme/payments\t', { owner: 'acme', repo: 'payments' }],
    ['Acme-Corp/Payments.Service_v2', { owner: 'Acme-Corp', repo: 'Payments.Service_v2' }],
    ['a/b', { owner: 'a', repo: 'b' }],
    ['a/.github', { owner: 'a', repo: '.github' }],
    [`${'a'.repeat(39)}/${'r'.repeat(100)}`, { owner: 'a'.repeat(39), repo: 'r'.repeat(100) }],
    ['1-2-3/-._', { owner: '1-2-3', repo: '-._' }]
  ])('reads %j', (text, repo) => {
    expect(parseRepo(text, 'plan github_repo')).toEqual(repo)
  })

  it.each([
    ['', 'is not a repository in the form owner/repo'],
    ['acme', 'is not a repository in the form owner/repo'],
    ['acme/payments/extra', 'is not a repository in the form owner/repo'],
    ['https://github.com/acme/payments', 'is not a repository in the form owner/repo'],
    ['/payments', 'has an invalid owner ""'],
    ['-acme/payments', 'has an invalid owner "-acme"'],
    ['acme-/payments', 'has an invalid owner "acme-"'],
    ['ac--me/payments', 'has an invalid owner "ac--me"'],
    ['ac_me/payments', 'has an invalid owner "ac_me"'],
    [`${'a'.repeat(40)}/payments`, 'has an invalid owner'],
    ['acme/', 'has an invalid repository name ""'],
    ['acme/.', 'has an invalid repository name "."'],
    ['acme/..', 'has an invalid repository name ".."'],
    ['acme/pay ments', 'has an invalid repository name "pay ments"'],
    ['acme/pay#ments', 'has an invalid repository name "pay#ments"'],
    [`acme/${'r'.repeat(101)}`, 'has an invalid repository name']
  ])('refuses %j', (text, problem) => {
    const error = inputError(() => parseRepo(text, 'plan github_repo (line 3)'))
    expect(error.field).toBe('plan github_repo (line 3)')
    expect(error.problem).toContain(problem)
    expect(error.fix).toBe('Write the repository as owner/repo, such as acme/payments')
    expect(error.message).toMatch(/^plan github_repo \(line 3\): /)
  })

  it('escapes control characters in the message', () => {
    const error = inputError(() => parseRepo('acme/pay\u0007', 'GITHUB_REPOSITORY'))
    expect(error.problem).toContain('acme/pay\\u0007')
    expect(error.message).not.toContain('\u0007')
  })
})

describe('parseIssueRef', () => {
  it.each<[string, IssueRef]>([
    ['10', ref('acme', 'payments', 10)],
    ['#10', ref('acme', 'payments', 10)],
    ['gh#10', ref('acme', 'payments', 10)],
    ['GH#10', ref('acme', 'payments', 10)],
    // Debussy's sync/github_sync.py ISSUE_PATTERN: (?:gh|github)#?(\d+) or #(\d+).
    ['github#10', ref('acme', 'payments', 10)],
    ['GitHub#10', ref('acme', 'payments', 10)],
    ['gh10', ref('acme', 'payments', 10)],
    ['github10', ref('acme', 'payments', 10)],
    ['  #10\t', ref('acme', 'payments', 10)],
    ['#007', ref('acme', 'payments', 7)],
    ['#1', ref('acme', 'payments', 1)],
    [`#${MAX_ISSUE_NUMBER}`, ref('acme', 'payments', MAX_ISSUE_NUMBER)],
    ['acme/billing-service#7', ref('acme', 'billing-service', 7)],
    ['Octo-Org/Hello.World#42', ref('Octo-Org', 'Hello.World', 42)],
    ['https://github.com/acme/billing/issues/10', ref('acme', 'billing', 10)],
    ['https://github.com/acme/billing/pull/11', ref('acme', 'billing', 11)],
    ['https://github.com/acme/billing/issues/10/', ref('acme', 'billing', 10)],
    ['https://github.com/acme/billing/issues/10#issuecomment-123', ref('acme', 'billing', 10)],
    ['https://github.com/acme/billing/issues/10?q=is%3Aopen', ref('acme', 'billing', 10)],
    ['https://github.com/acme/billing/pull/11/files', ref('acme', 'billing', 11)],
    ['https://github.com/acme/billing/pull/11/commits/', ref('acme', 'billing', 11)],
    ['https://GitHub.com/acme/billing/issues/10', ref('acme', 'billing', 10)],
    ['HTTPS://github.com/acme/billing/issues/10', ref('acme', 'billing', 10)],
    ['http://github.com/acme/billing/issues/10', ref('acme', 'billing', 10)],
    ['https://www.github.com/acme/billing/issues/10', ref('acme', 'billing', 10)]
  ])('reads %j', (text, expected) => {
    expect(parseIssueRef(text, context, FIELD)).toEqual(expected)
  })

  it('reads URLs on a GitHub Enterprise Server host, port included', () => {
    const ghes: RefContext = { ...context, serverHost: 'ghe.example.com:8443' }
    expect(parseIssueRef('https://ghe.example.com:8443/ops/infra/issues/3', ghes, FIELD)).toEqual(
      ref('ops', 'infra', 3)
    )
    const error = inputError(() =>
      parseIssueRef('https://github.com/ops/infra/issues/3', ghes, FIELD)
    )
    expect(error.problem).toBe(
      '"https://github.com/ops/infra/issues/3" refers to another host github.com; this action syncs issues on ghe.example.com:8443'
    )
    expect(error.fix).toContain('https://ghe.example.com:8443/owner/repo/issues/10')
  })

  const NOT_A_REF =
    'Write an issue as 10, #10, gh#10, owner/repo#10 or https://github.com/owner/repo/issues/10'
  const NUMBER_FIX = `Issue numbers run from 1 to ${MAX_ISSUE_NUMBER}; check the ref`

  /** parseIssueRef refuses `text` in FIELD: one message, its problem saying `problem`, its fix `fix`. */
  function expectRefused(text: string, problem: string, fix: string): void {
    const error = inputError(() => parseIssueRef(text, context, FIELD))
    expect(error.field).toBe(FIELD)
    expect(error.problem).toContain(problem)
    expect(error.fix).toBe(fix)
    expect(error.message).toBe(`${FIELD}: ${error.problem}. ${fix}`)
  }

  it.each([
    '',
    '#',
    'gh#',
    'GH-10',
    'issue10',
    'x#10',
    '#10.',
    '#1x',
    '-1',
    '#-1',
    '1.5',
    'acme/payments',
    'acme/payments#',
    'https://github.com/acme/payments',
    'https://github.com/acme/payments/issues',
    'https://github.com/acme/payments/issues/abc',
    'https://github.com/acme/payments/pulls/10',
    'https://github.com/acme/payments/discussions/10',
    'https://github.com/acme/payments/issues/10/files',
    'https://github.com/acme/payments/pull/10/blame',
    'https://github.com/acme/payments/pull/10/files/x',
    'https://',
    'https://exa mple.com/a/b/issues/1'
  ])('refuses %j as not an issue reference', (text) => {
    expectRefused(text, `"${text}" is not an issue reference`, NOT_A_REF)
  })

  it.each([
    ['0', '0'],
    ['#0', '0'],
    ['#2147483648', '2147483648'],
    ['99999999999999999999999', '99999999999999999999999'],
    ['acme/payments#0', '0'],
    ['https://github.com/acme/payments/issues/0', '0']
  ])('refuses %j: issue number %s is out of range', (text, number) => {
    expectRefused(
      text,
      `"${text}" has issue number ${number}, which no GitHub issue can have`,
      NUMBER_FIX
    )
  })

  // prettier-ignore
  it.each([
    ['acme/pay/ments#10', '"acme/pay/ments#10" is not a repository in the form owner/repo', 'Write a ref to another repository as owner/repo#10, such as acme/payments#10'],
    ['ac--me/payments#10', '"ac--me/payments#10" has an invalid owner "ac--me"', 'Write a ref to another repository as owner/repo#10, such as acme/payments#10'],
    ['acme/pay#ments#10', 'has an invalid repository name "pay#ments"', 'Write a ref to another repository as owner/repo#10, such as acme/payments#10'],
    ['https://gitlab.com/acme/payments/issues/10', '"https://gitlab.com/acme/payments/issues/10" refers to another host gitlab.com; this action syncs issues on github.com', 'Link issues on github.com, such as https://github.com/owner/repo/issues/10 or owner/repo#10'],
    ['https://user:secret@github.com/acme/payments/issues/10', '"https://***@github.com/acme/payments/issues/10" carries a user name or password', 'Link the issue without credentials, such as https://github.com/owner/repo/issues/10'],
    ['https://github.com/-acme/payments/issues/10', 'has an invalid owner "-acme"', 'Link an issue as https://github.com/owner/repo/issues/10']
  ])('refuses %j', (text, problem, fix) => {
    expectRefused(text, problem, fix)
  })

  it('never repeats a password pasted into a URL', () => {
    const error = inputError(() =>
      parseIssueRef('https://bot:ghp_s3cret@github.com/a/b/issues/1', context, FIELD)
    )
    expect(error.message).not.toContain('s3cret')
    expect(error.message).not.toContain('bot')
  })

  it('quotes a bad ref with control characters escaped and long text shortened', () => {
    const error = inputError(() => parseIssueRef(`#1\u0000${'x'.repeat(500)}`, context, FIELD))
    expect(error.problem).toContain('"#1\\u0000xxx')
    expect(error.problem).toContain('…')
    expect(error.message).not.toContain('\u0000')
    expect(error.message.length).toBeLessThan(400)
  })
})

describe('parseIssueRefs', () => {
  it.each<[string, unknown, IssueRef[]]>([
    [
      'a string with commas and whitespace',
      '#10, #11 gh#12,acme/billing#3\thttps://github.com/acme/payments/pull/4',
      [
        ref('acme', 'payments', 10),
        ref('acme', 'payments', 11),
        ref('acme', 'payments', 12),
        ref('acme', 'billing', 3),
        ref('acme', 'payments', 4)
      ]
    ],
    ['a single number', 10, [ref('acme', 'payments', 10)]],
    [
      'a list of strings and numbers',
      ['#10', 11, 'acme/billing#7'],
      [ref('acme', 'payments', 10), ref('acme', 'payments', 11), ref('acme', 'billing', 7)]
    ],
    [
      'list items holding several refs',
      ['#10, #11', '#12'],
      [ref('acme', 'payments', 10), ref('acme', 'payments', 11), ref('acme', 'payments', 12)]
    ],
    [
      'duplicates in every spelling, first kept',
      ['#10', 10, 'gh#10', 'ACME/Payments#10', 'https://github.com/acme/payments/issues/10', '#9'],
      [ref('acme', 'payments', 10), ref('acme', 'payments', 9)]
    ],
    [
      'the same number in two repositories',
      '#10 acme/billing#10',
      [ref('acme', 'payments', 10), ref('acme', 'billing', 10)]
    ],
    ['an empty string', '', []],
    ['separators only', ' , ,', []],
    ['an empty list', [], []]
  ])('reads %s', (_name, value, expected) => {
    expect(parseIssueRefs(value, context, FIELD)).toEqual(expected)
  })

  it.each<[string, unknown, string, string, string]>([
    [
      'null',
      null,
      FIELD,
      'an empty value is not a list of issue references',
      'Write a list such as ["#10", "#11"], or a string such as "#10, #11"'
    ],
    [
      'a boolean',
      true,
      FIELD,
      'true is not a list of issue references',
      'Write a list such as ["#10", "#11"], or a string such as "#10, #11"'
    ],
    [
      'a mapping',
      { '#10': 1 },
      FIELD,
      'a mapping is not a list of issue references',
      'Write a list such as ["#10", "#11"], or a string such as "#10, #11"'
    ],
    [
      'a null item (an unquoted - #10)',
      ['#10', null],
      `${FIELD} item 2`,
      'is empty (in YAML, an unquoted #10 is a comment, so the item reads as nothing)',
      'Quote each ref, such as - "#10", or write the list as ["#10", "#11"]'
    ],
    [
      'an empty string item',
      ['  '],
      `${FIELD} item 1`,
      'is empty',
      'Quote each ref, such as - "#10", or write the list as ["#10", "#11"]'
    ],
    [
      'a nested list item',
      ['#1', ['#2']],
      `${FIELD} item 2`,
      'a list is not an issue reference',
      'Write each item as a ref, such as "#10" or "owner/repo#10"'
    ],
    [
      'a mapping item',
      [{ issue: 2 }],
      `${FIELD} item 1`,
      'a mapping is not an issue reference',
      'Write each item as a ref, such as "#10" or "owner/repo#10"'
    ],
    [
      'a boolean item',
      [false],
      `${FIELD} item 1`,
      'false is not an issue reference',
      'Write each item as a ref, such as "#10" or "owner/repo#10"'
    ],
    [
      'a fractional number',
      [1.5],
      `${FIELD} item 1`,
      '1.5 is not an issue number',
      'Issue numbers are whole numbers from 1 to 2147483647, such as 10 or "#10"'
    ],
    [
      'zero',
      0,
      FIELD,
      '0 is not an issue number',
      'Issue numbers are whole numbers from 1 to 2147483647, such as 10 or "#10"'
    ],
    [
      'a number too large',
      [1, MAX_ISSUE_NUMBER + 1],
      `${FIELD} item 2`,
      '2147483648 is not an issue number',
      'Issue numbers are whole numbers from 1 to 2147483647, such as 10 or "#10"'
    ],
    [
      'a bad ref inside a string',
      '#10, #1x, #12',
      FIELD,
      '"#1x" is not an issue reference',
      'Write an issue as 10, #10, gh#10, owner/repo#10 or https://github.com/owner/repo/issues/10'
    ],
    [
      'a bad ref inside a list item',
      ['#10', '#11 GH-12'],
      `${FIELD} item 2`,
      '"GH-12" is not an issue reference',
      'Write an issue as 10, #10, gh#10, owner/repo#10 or https://github.com/owner/repo/issues/10'
    ]
  ])('refuses %s, naming the element', (_name, value, field, problem, fix) => {
    const error = inputError(() => parseIssueRefs(value, context, FIELD))
    expect(error.field).toBe(field)
    expect(error.problem).toContain(problem)
    expect(error.fix).toBe(fix)
  })
})
