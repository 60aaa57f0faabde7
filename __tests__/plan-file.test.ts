import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Finding, IssueRef, MasterPlan } from '../src/domain.js'
import { InputError } from '../src/errors.js'
import {
  MAX_FRONTMATTER_CHARS,
  isDoneStatus,
  loadPlan,
  normalisePhaseId,
  parsePlan,
  type PlanContext
} from '../src/plan/plan-file.js'
import { readFixture } from '../test-support/fixtures.js'
import { refusal as refusalOf, refusedWith } from '../test-support/refusal.js'

// Verbatim copies of the shared example plans; `.txt` so that prettier keeps them as written.
const fixture = (name: string): string => readFixture('plans', name)

const context: PlanContext = {
  defaultRepo: { owner: 'octo', repo: 'workflow-repo' },
  serverHost: 'github.com'
}

function ref(owner: string, repo: string, number: number): IssueRef {
  return { owner, repo, number }
}
const here10 = ref('octo', 'workflow-repo', 10)
const here11 = ref('octo', 'workflow-repo', 11)

function parse(
  text: string,
  relativePath = 'docs/MASTER_PLAN.md'
): {
  plan: MasterPlan
  findings: Finding[]
} {
  return parsePlan(text, relativePath, context)
}

/** The InputError that refuses the plan `text`. */
function refusal(text: string): InputError {
  return refusalOf(() => parse(text))
}

describe('the example plans', () => {
  it("reads Debussy's own format: bold lines, refs in several forms, decimal phase ids", () => {
    const { plan, findings } = parse(fixture('MASTER_PLAN.debussy.md.txt'), './docs/MASTER_PLAN.md')
    expect(plan).toEqual({
      path: 'docs/MASTER_PLAN.md',
      title: 'Payments Retry Queue - Master Plan',
      issues: [
        ref('acme', 'payments', 41),
        ref('acme', 'payments', 42),
        ref('acme', 'payments', 57),
        ref('acme', 'billing-service', 7)
      ],
      repo: { owner: 'acme', repo: 'payments' },
      milestone: undefined,
      phases: [
        { id: '1', title: 'Queue schema', done: true },
        { id: '2', title: 'Retry worker', done: false },
        { id: '2.5', title: 'Dead letters', done: false },
        { id: '3', title: 'Dashboards', done: false }
      ]
    })
    expect(findings).toEqual([])
  })

  it('reads the frontmatter format: github_issues, github_repo, github_milestone by title', () => {
    const { plan, findings } = parse(fixture('MASTER_PLAN.frontmatter.md.txt'))
    expect(plan).toEqual({
      path: 'docs/MASTER_PLAN.md',
      title: 'Payments Retry Queue - Master Plan',
      issues: [ref('acme', 'payments', 41), ref('acme', 'payments', 42)],
      repo: { owner: 'acme', repo: 'payments' },
      milestone: { by: 'title', title: 'Q4 reliability' },
      phases: [
        { id: '1', title: 'Queue schema', done: false },
        { id: '2', title: 'Retry worker', done: false }
      ]
    })
    expect(findings).toEqual([])
  })

  it('reads the Debussy example with CRLF line endings the same way', () => {
    const lf = fixture('MASTER_PLAN.debussy.md.txt')
    expect(parse(lf.replace(/\n/g, '\r\n'))).toEqual(parse(lf))
    expect(parse(lf.replace(/\n/g, '\r'))).toEqual(parse(lf))
  })
})

describe('github_issues in the frontmatter', () => {
  it.each<[string, string, IssueRef[]]>([
    ['a flow list of quoted refs', 'github_issues: ["#10", "#11"]', [here10, here11]],
    ['a list of numbers', 'github_issues: [10, 11]', [here10, here11]],
    ['a single number', 'github_issues: 10', [here10]],
    ['a quoted string', 'github_issues: "#10, #11"', [here10, here11]],
    ['a plain string of bare refs', 'github_issues: gh#10 11', [here10, here11]],
    ['a block list', 'github_issues:\n  - "#10"\n  - 11', [here10, here11]],
    ['a block list at column 0', 'github_issues:\n- "#10"\n- "#11"', [here10, here11]],
    [
      'a comment after the key, then a block list',
      'github_issues: # linked issues\n  - "#10"\n  # the follow-up:\n  - "#11"',
      [here10, here11]
    ],
    [
      'refs to other repositories and URLs',
      'github_issues:\n  - acme/billing#7\n  - https://github.com/acme/billing/pull/8',
      [ref('acme', 'billing', 7), ref('acme', 'billing', 8)]
    ],
    [
      'bare refs with github_repo',
      'github_repo: acme/payments\ngithub_issues: ["#10", "acme/payments#10", 12]',
      [ref('acme', 'payments', 10), ref('acme', 'payments', 12)]
    ],
    ['duplicates', 'github_issues: ["#11", "#10", "gh#11", 10]', [here11, here10]],
    ['a ---yaml fence', '', [here10]]
  ])('reads %s', (_name, yaml, issues) => {
    const text =
      yaml === '' ? '---yaml\ngithub_issues: "#10"\n---\n# Plan\n' : `---\n${yaml}\n---\n# Plan\n`
    const { plan, findings } = parse(text)
    expect(plan.issues).toEqual(issues)
    expect(findings).toEqual([])
  })

  it('accepts ---yml and tolerates tabs as separators', () => {
    expect(parse('---YML\ngithub_issues:\t["#10"]\n---\n').plan.issues).toEqual([here10])
  })

  it('ignores other keys and keeps each parse independent of the last (gray-matter caches)', () => {
    const text = '---\ntitle: x\ntags: [a, b]\ngithub_issues: "#10"\n---\n'
    expect(parse(text).plan.issues).toEqual([here10])
    const other = parsePlan(text, 'p.md', { ...context, defaultRepo: { owner: 'a', repo: 'b' } })
    expect(other.plan.issues).toEqual([ref('a', 'b', 10)])
    expect(other.plan.repo).toEqual({ owner: 'a', repo: 'b' })
  })

  const NO_ISSUES = 'is present but lists no issues'
  it.each([
    ['github_issues:', NO_ISSUES],
    ['github_issues: []', NO_ISSUES],
    ['github_issues: ""', NO_ISSUES],
    ['github_issues: " , "', NO_ISSUES],
    ['github_issues: ~', NO_ISSUES],
    ['github_issues: # to do', `${NO_ISSUES}: "# to do" is a YAML comment`]
  ])('refuses %j: present but empty is never "no issues"', (yaml, problem) => {
    const error = refusal(`---\ntitle: Plan\n${yaml}\n---\n**GitHub Issues:** #10\n`)
    expect(error.field).toBe('plan github_issues (line 3)')
    expect(error.problem).toBe(problem)
    expect(error.fix).toBe(
      'List the issues, such as github_issues: ["#10", "#11"], or remove the key to link none'
    )
  })

  it.each([
    ['github_issues: ["#10", "GH-11"]', 'plan github_issues (line 2) item 2', '"GH-11" is not'],
    ['github_issues: "#10, GH-11"', 'plan github_issues (line 2)', '"GH-11" is not an issue'],
    ['github_issues: [true]', 'plan github_issues (line 2) item 1', 'true is not an issue'],
    ['github_issues: {a: 1}', 'plan github_issues (line 2)', 'a mapping is not a list'],
    ['github_issues:\n  - "#10"\n  -\n', 'plan github_issues (line 2) item 2', 'is empty'],
    [
      'github_issues: ["https://gitlab.com/a/b/issues/1"]',
      'plan github_issues (line 2) item 1',
      'refers to another host gitlab.com; this action syncs issues on github.com'
    ]
  ])('refuses %j, naming the key and its line', (yaml, field, problem) => {
    const error = refusal(`---\n${yaml}\n---\n`)
    expect(error.field).toBe(field)
    expect(error.problem).toContain(problem)
  })
})

describe('the seed format (# opens a YAML comment)', () => {
  const QUOTE = 'Quote them: github_issues: ["#10", "#11"]'
  it.each<[string, string, IssueRef[], number]>([
    ['an inline flow list', 'github_issues: [#10, #11]', [here10, here11], 2],
    ['a flow list with spaces', 'github_issues: [ #10 , #11 ]', [here10, here11], 2],
    ['a partly quoted flow list', `github_issues: [#10, "#11", '#10']`, [here10, here11], 2],
    ['a flow list and a comment', 'github_issues: [#10, #11] # from the seed', [here10, here11], 2],
    ['an inline list without brackets', 'github_issues: #10, #11', [here10, here11], 2],
    ['an inline list and a comment', 'github_issues:\t#10 #11  # seed', [here10, here11], 2],
    ['block items', 'github_issues:\n  - #10\n\n  - #11 # second', [here10, here11], 2],
    [
      'block items after a comment',
      'github_issues: # the issues\n- #10\n- #11',
      [here10, here11],
      2
    ],
    [
      'block items mixed with quoted ones',
      'github_repo: acme/pay\ngithub_issues:\n  - "#9"\n  - #10\n  - #11\ngithub_milestone: 2',
      [ref('acme', 'pay', 9), ref('acme', 'pay', 10), ref('acme', 'pay', 11)],
      3
    ]
  ])('accepts %s as the user meant, with a notice to quote them', (_name, yaml, issues, line) => {
    const { plan, findings } = parse(`---\n${yaml}\n---\n# Plan\n`)
    expect(plan.issues).toEqual(issues)
    expect(findings).toHaveLength(1)
    expect(findings[0]?.level).toBe('notice')
    expect(findings[0]?.message).toContain(`plan github_issues (line ${line}): read `)
    expect(findings[0]?.message).toContain('in YAML an unquoted # starts a comment')
    if (line === 2) expect(findings[0]?.message).toContain(QUOTE)
  })

  it('reads seed refs with CRLF line endings', () => {
    const text = '---\r\ngithub_issues: [#10, #11]\r\n---\r\n# Plan\r\n'
    expect(parse(text).plan.issues).toEqual([here10, here11])
  })

  it('rewrites only github_issues: the same form under another key stays a YAML error', () => {
    const error = refusal('---\nother: [#10, #11]\ngithub_issues: "#10"\n---\n')
    expect(error.field).toBe('plan frontmatter (line 2)')
    expect(error.problem).toContain('the YAML frontmatter is not valid')
  })

  it('refuses a flow list continued on the next line rather than losing its second line', () => {
    const error = refusal('---\ngithub_issues: [#10,\n  #11]\n---\n')
    expect(error.field).toMatch(/^plan frontmatter \(line \d\)$/)
    expect(error.problem).toContain('the YAML frontmatter is not valid')
  })

  it('refuses a seed ref that is not a ref, naming it', () => {
    const error = refusal('---\ngithub_issues: [#10, #eleven]\n---\n')
    expect(error.field).toBe('plan github_issues (line 2) item 2')
    expect(error.problem).toBe('"#eleven" is not an issue reference')
  })
})

describe('the frontmatter block', () => {
  it.each([
    ['---js', 'js'],
    ['---javascript', 'javascript'],
    ['--- JS ', 'JS'],
    ['---json', 'json'],
    ['---coffee', 'coffee'],
    ['--- title: Plan', 'title: Plan']
  ])('refuses %j before gray-matter could evaluate it', (fence, language) => {
    ;(globalThis as { pwned?: boolean }).pwned = false
    const error = refusal(`${fence}\n{ github_issues: (globalThis.pwned = true, ["#10"]) }\n---\n`)
    expect((globalThis as { pwned?: boolean }).pwned).toBe(false)
    expect(error.field).toBe('plan frontmatter (line 1)')
    expect(error.problem).toContain(
      `opens frontmatter in "${language}"; only YAML frontmatter is read`
    )
    expect(error.fix).toBe(
      'Start the file with a line of exactly --- and write the frontmatter in YAML'
    )
  })

  it.each([
    ['a plan that is only a fence', '---'],
    ['an unclosed block', '---\ngithub_issues: ["#10"]\n# Plan\n']
  ])('refuses %s', (_name, text) => {
    const error = refusal(text)
    expect(error.field).toBe('plan frontmatter (line 1)')
    expect(error.problem).toBe(
      'the first line --- opens YAML frontmatter, but no later line --- closes it'
    )
    expect(error.fix).toContain('Add a line --- after the frontmatter keys')
  })

  it.each([
    ['an empty block', '---\n---\n# Plan\n'],
    ['a block of comments', '---\n# github_issues: ["#10"]\n#\n---\n# Plan\n'],
    ['a null document', '---\n~\n---\n# Plan\n'],
    ['four dashes (a rule, not frontmatter)', '----\ngithub_milestone: 5\n---\n# Plan\n'],
    ['no frontmatter', '# Plan\n']
  ])('reads %s as no keys', (_name, text) => {
    const { plan, findings } = parse(text)
    expect(plan.issues).toEqual([])
    expect(plan.title).toBe('Plan')
    expect(findings.map((finding) => finding.level)).toEqual(['notice'])
  })

  it.each([
    ['a list', '---\n- "#10"\n---\n', 'plan frontmatter (line 2)', 'a list'],
    ['a single value', '---\n\n"#10"\n---\n', 'plan frontmatter (line 3)', 'a single value']
  ])('refuses frontmatter that is %s', (_name, text, field, kind) => {
    const error = refusal(text)
    expect(error.field).toBe(field)
    expect(error.problem).toBe(`the frontmatter is ${kind} rather than key: value lines`)
    expect(error.fix).toContain('Write the frontmatter as key: value lines')
  })

  it.each([
    [
      'duplicate keys',
      '---\ngithub_issues: ["#10"]\ngithub_repo: a/b\ngithub_issues: ["#11"]\n---\n',
      'plan frontmatter (line 4)',
      'the YAML frontmatter is not valid: Map keys must be unique',
      'Write each key once'
    ],
    [
      'a syntax error',
      '---\ngithub_repo: a/b\ngithub_milestone: "Q4\n---\n',
      'plan frontmatter (line 3)',
      'the YAML frontmatter is not valid: Missing closing "quote',
      'Fix the YAML on that line; quote values that start with #, [, {, * or &'
    ],
    [
      'tab indentation',
      '---\ngithub_issues:\n\t- "#10"\n---\n',
      'plan frontmatter (line 3)',
      'the YAML frontmatter is not valid: Tabs are not allowed as indentation',
      'Fix the YAML on that line'
    ],
    [
      'a second document',
      '---\ngithub_repo: a/b\n...\nx: 1\n---\n',
      'plan frontmatter (line 4)',
      'Source contains multiple documents',
      'Fix the YAML on that line'
    ],
    [
      'an alias without its anchor',
      '---\ngithub_issues: *refs\n---\n',
      'plan frontmatter',
      'the YAML frontmatter could not be read: Unresolved alias',
      'Write the values out instead of using YAML anchors (&name) and aliases (*name)'
    ]
  ])('refuses %s with the line and the fix, not a stack', (_name, text, field, problem, fix) => {
    const error = refusedWith(() => parse(text), field, problem, fix)
    expect(error.problem).not.toContain('\n')
  })

  it('refuses a YAML bomb (billion laughs) at once', () => {
    const bomb = [
      '---',
      'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
      'f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]',
      'g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]',
      'h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]',
      'i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]',
      'github_issues: *i',
      '---'
    ].join('\n')
    // Expanded, the bomb is 9^9 strings: a parse that expanded it would not end
    // within the test's timeout, so refusing it at all shows it was not expanded.
    const error = refusal(bomb)
    expect(error.field).toBe('plan frontmatter')
    expect(error.problem).toBe(
      'the YAML frontmatter expands its aliases (*name) into too much data'
    )
  })

  it('still reads a few plain aliases', () => {
    const text = '---\nrefs: &refs ["#10", "#11"]\ngithub_issues: *refs\n---\n'
    expect(parse(text).plan.issues).toEqual([here10, here11])
  })

  it('refuses an oversized frontmatter by its size, before any YAML is read', () => {
    // Invalid YAML past the bound: only a size check made before the parse names the size.
    const error = refusal(`---\n${'\n'.repeat(MAX_FRONTMATTER_CHARS)}: [\n---\n`)
    expect(error.field).toBe('plan frontmatter (line 1)')
    expect(error.problem).toContain(`more than the ${MAX_FRONTMATTER_CHARS} allowed`)
  })

  it('reads the largest allowed frontmatter of blank lines', () => {
    const text = `---\n${'\n'.repeat(MAX_FRONTMATTER_CHARS - 1)}---\n`
    expect(parse(text).plan.issues).toEqual([])
  })
})

describe('github_repo and github_milestone', () => {
  it.each([
    ['github_repo: acme/payments', { owner: 'acme', repo: 'payments' }],
    ['github_repo: " Acme/Payments "', { owner: 'Acme', repo: 'Payments' }],
    ['github_repo:', context.defaultRepo],
    ['github_repo: ""', context.defaultRepo]
  ])('%j sets the repository of bare refs', (yaml, repo) => {
    const { plan } = parse(`---\n${yaml}\ngithub_issues: "#10"\n---\n`)
    expect(plan.repo).toEqual(repo)
    expect(plan.issues).toEqual([{ ...repo, number: 10 }])
  })

  it.each([
    ['github_repo: acme', 'is not a repository in the form owner/repo'],
    ['github_repo: -acme/x', 'has an invalid owner "-acme"'],
    ['github_repo: [acme/x]', 'is not a repository name'],
    ['github_repo: 5', 'is not a repository name']
  ])('refuses %j', (yaml, problem) => {
    const error = refusal(`---\ngithub_issues: "#10"\n${yaml}\n---\n`)
    expect(error.field).toBe('plan github_repo (line 3)')
    expect(error.problem).toContain(problem)
    expect(error.fix).toContain('owner/repo, such as')
  })

  it.each([
    ['github_milestone: 3', { by: 'number', number: 3 }],
    ['github_milestone: "#3"', { by: 'number', number: 3 }],
    ['github_milestone: "3"', { by: 'title', title: '3' }],
    ['github_milestone: 2026', { by: 'number', number: 2026 }],
    ['github_milestone: " Q4 reliability "', { by: 'title', title: 'Q4 reliability' }],
    ['github_milestone: Sprint 12', { by: 'title', title: 'Sprint 12' }],
    ['github_milestone:', undefined],
    ['github_milestone: ""', undefined],
    ['github_milestone: # none yet', undefined],
    ['title: no milestone key', undefined]
  ])('%j selects %j', (yaml, milestone) => {
    expect(parse(`---\n${yaml}\n---\n`).plan.milestone).toEqual(milestone)
  })

  it.each([
    ['github_milestone: #3', '"#3" is a YAML comment, so the milestone would be ignored'],
    ['github_milestone: 0', '0 is not a milestone number'],
    ['github_milestone: -2', '-2 is not a milestone number'],
    ['github_milestone: 1.5', '1.5 is not a milestone number'],
    ['github_milestone: 3000000000', '3000000000 is not a milestone number'],
    ['github_milestone: "#0"', '"#0" is not a milestone number'],
    ['github_milestone: true', 'true is not a milestone'],
    ['github_milestone: [3]', 'a list is not a milestone'],
    ['github_milestone: {number: 3}', 'a mapping is not a milestone']
  ])('refuses %j', (yaml, problem) => {
    const error = refusal(`---\n${yaml}\n---\n`)
    expect(error.field).toBe('plan github_milestone (line 2)')
    expect(error.problem).toBe(problem)
    expect(error.fix).toBe(
      'Write github_milestone: 3 for milestone number 3, or github_milestone: "Q4 reliability" for its title'
    )
  })
})

describe("Debussy's bold lines", () => {
  it.each<[string, string, IssueRef[]]>([
    ['the plain form', '**GitHub Issues:** #10, #11', [here10, here11]],
    ['a list item', '- **GitHub Issues:** #10, #11', [here10, here11]],
    ['a star list item', '*   **GitHub Issues:**   #10 ,  #11  ', [here10, here11]],
    ['the colon outside the bold', '**GitHub Issues**: #10 #11', [here10, here11]],
    ['tabs', '\t**GitHub  Issues:**\t#10,\t#11', [here10, here11]],
    ['the singular label', '**GitHub issue:** gh#10', [here10]],
    ['backticks', '**GitHub Issues:** `#10`, `#11`', [here10, here11]],
    [
      'markdown links and autolinks',
      '**GitHub Issues:** [#10](https://github.com/acme/pay/issues/10), <https://github.com/acme/pay/pull/11>',
      [ref('acme', 'pay', 10), ref('acme', 'pay', 11)]
    ],
    ['duplicates', '**GitHub Issues:** #10, #11, #10', [here10, here11]]
  ])('reads %s', (_name, line, issues) => {
    const { plan, findings } = parse(`# Plan\n\n${line}\n`)
    expect(plan.issues).toEqual(issues)
    expect(findings).toEqual([])
  })

  it('takes the repository of bare refs from **GitHub Repo:**, in any position', () => {
    const text = '# Plan\n**GitHub Issues:** #5, other/repo#6\n- **GitHub Repo:** `acme/payments`\n'
    const { plan } = parse(text)
    expect(plan.repo).toEqual({ owner: 'acme', repo: 'payments' })
    expect(plan.issues).toEqual([ref('acme', 'payments', 5), ref('other', 'repo', 6)])
  })

  it.each([
    ['a linked repository', '**GitHub Repo:** [acme/pay](https://github.com/acme/pay)', 'pay'],
    ['the long label', '**GitHub Repository:** acme/pay', 'pay'],
    ['None', '**GitHub Repo:** None', 'workflow-repo'],
    ['N/A', '**GitHub Repo:** N/A', 'workflow-repo'],
    ['an empty value', '**GitHub Repo:**', 'workflow-repo']
  ])('reads %s on the repo line', (_name, line, repo) => {
    const { plan } = parse(`**GitHub Issues:** #1\n${line}\n`)
    expect(plan.repo.repo).toBe(repo)
    expect(plan.issues[0]?.repo).toBe(repo)
  })

  it('uses each key separately: frontmatter github_repo with the bold issues line', () => {
    const text =
      '---\ngithub_repo: acme/payments\n---\n**GitHub Issues:** #3\n**GitHub Repo:** x/y\n'
    const { plan } = parse(text)
    expect(plan.repo).toEqual({ owner: 'acme', repo: 'payments' })
    expect(plan.issues).toEqual([ref('acme', 'payments', 3)])
  })

  it('prefers frontmatter github_issues over the bold line', () => {
    const text = '---\ngithub_issues: ["#10"]\n---\n**GitHub Issues:** #99\n'
    expect(parse(text).plan.issues).toEqual([here10])
  })

  const QUOTES = 'quotes the line'
  const HOW_TO = 'says how to link them'
  it.each([
    ['None', '**GitHub Issues:** None', QUOTES],
    ['n/a', '- **GitHub Issues:** n/a', QUOTES],
    ['(none)', '**GitHub Issues:** _(none)_', QUOTES],
    ['a dash', '**GitHub Issues:** —', QUOTES],
    ['N/A on a plain line', 'GitHub Issues: N/A', QUOTES],
    ['an empty value', '**GitHub Issues:**', HOW_TO],
    ['no line at all', 'Some text.', HOW_TO],
    ['a bold line about something else', '**Status:** #10', HOW_TO],
    ['bold text without a colon', '**GitHub Issues** are tracked elsewhere, see #10', HOW_TO]
  ])('reads %s as no links, with a notice that %s', (_name, line, says) => {
    const { plan, findings } = parse(`# Plan\n\n${line}\n`, 'plans/x.md')
    expect(plan.issues).toEqual([])
    expect(findings).toEqual([
      {
        level: 'notice',
        message:
          says === QUOTES
            ? `plan plans/x.md line 3: "${line}" says the plan links no issues, so there is nothing to sync.`
            : 'plan plans/x.md links no issues, so there is nothing to sync. Link them in its YAML frontmatter (github_issues: ["#10", "#11"]) or with a body line **GitHub Issues:** #10, #11'
      }
    ])
  })

  it('reads github_issues on a body line after a rule of four dashes (not frontmatter) as Debussy does', () => {
    expect(parse('----\ngithub_issues: 5\n---\n# Plan\n').plan.issues).toEqual([
      ref('octo', 'workflow-repo', 5)
    ])
  })

  it('warns about a line inside a tilde fence, which is an example', () => {
    const { plan, findings } = parse('# Plan\n\n~~~~\n**GitHub Issues:** #10\n~~~\n~~~~\n', 'p.md')
    expect(plan.issues).toEqual([])
    expect(findings[0]).toEqual({
      level: 'warning',
      message: expect.stringContaining(
        'line 4: "**GitHub Issues:** #10" looks like an issue list but is not read: it is inside a fenced code block'
      )
    })
    expect(findings).toHaveLength(2)
  })

  it.each([
    [
      '**GitHub Issues:** #41, #4two',
      'plan "**GitHub Issues:**" line 3',
      '"#4two" is not an issue'
    ],
    ['**GitHub Issues:** Issue 41', 'plan "**GitHub Issues:**" line 3', '"Issue" is not an issue'],
    ['GitHub Issues: #41, #4two', 'plan "GitHub Issues:" line 3', '"#4two" is not an issue'],
    ['**GitHub Issues:** #abc', 'plan "**GitHub Issues:**" line 3', '"#abc" is not an issue'],
    ['**GitHub Issues:** #1\u0007', 'plan "**GitHub Issues:**" line 3', '"#1\\u0007" is not'],
    ['**GitHub Issues:** #1\n**GitHub Repo:** acme', 'plan "**GitHub Repo:**" line 4', 'owner/repo']
  ])('refuses %j, naming the line', (line, field, problem) => {
    const error = refusal(`# Plan\n\n${line}\n`)
    expect(error.field).toBe(field)
    expect(error.problem).toContain(problem)
    expect(error.message).not.toContain('\u0007')
  })

  it('warns about a second issues or repo line and uses the first', () => {
    const text = [
      '**GitHub Issues:** #10',
      '**GitHub Repo:** octo/workflow-repo',
      '**GitHub Issues:** #11',
      '**GitHub Repo:** acme/other'
    ].join('\n')
    const { plan, findings } = parse(text, 'p.md')
    expect(plan.issues).toEqual([here10])
    expect(findings).toEqual([
      {
        level: 'warning',
        message:
          'plan p.md line 3: a second **GitHub Issues:** line is ignored; the one on line 1 is used'
      },
      {
        level: 'warning',
        message:
          'plan p.md line 4: a second **GitHub Repo:** line is ignored; the one on line 2 is used'
      }
    ])
  })
})

/**
 * Every form in which Debussy's master plan names its issues and repository, as
 * Debussy's parser reads it (`src/debussy/parsers/master.py`, `_parse_github_issues`,
 * `_parse_github_repo`: the key in any case, bold or not, colon inside or after
 * the bold), the ref forms of its sync (`src/debussy/sync/github_sync.py`,
 * ISSUE_PATTERN) and the examples of its docs. Where Debussy reads less than it
 * documents, the action reads what the user meant (SPEC §4).
 */
describe('every plan form Debussy reads (SPEC §4)', () => {
  const acme = (n: number): IssueRef => ref('acme', 'payments', n)
  const owner = (n: number): IssueRef => ref('owner', 'repo', n)

  it.each<[form: string, documentedIn: string, line: string, issues: IssueRef[]]>([
    // The key line: forms of the label.
    [
      'bold, colon inside',
      'docs/GITHUB_SYNC.md; parsers/master.py docstring',
      '**GitHub Issues:** #10, #11',
      [here10, here11]
    ],
    [
      'bold, colon after the bold',
      'parsers/master.py, first pattern \\*\\*(…)\\*\\*:',
      '**GitHub Issues**: #10, #11',
      [here10, here11]
    ],
    [
      'the plain line',
      'parsers/master.py docstring "GitHub Issues: #10"',
      'GitHub Issues: #10',
      [here10]
    ],
    [
      'the plain line, as a list item',
      'parsers/master.py second pattern (unanchored)',
      '- GitHub Issues: #10, #11',
      [here10, here11]
    ],
    [
      'github_issues, bold',
      'parsers/master.py docstring "**github_issues:** [10, 11]"',
      '**github_issues:** #10',
      [here10]
    ],
    [
      'github_issues, bold, colon after',
      'parsers/master.py, first pattern',
      '**github_issues**: #10',
      [here10]
    ],
    [
      'github_issues, plain',
      'parsers/master.py second pattern',
      'github_issues: #10, #11',
      [here10, here11]
    ],
    [
      'the singular GitHub Issue',
      'parsers/master.py GitHub\\s*Issues?',
      '**GitHub Issue:** #10',
      [here10]
    ],
    [
      'GitHubIssues, no space',
      'parsers/master.py GitHub\\s*Issues?',
      '**GitHubIssues:** #10',
      [here10]
    ],
    [
      'GitHubIssue, plain, no space',
      'parsers/master.py GitHub\\s*Issues?',
      'GitHubIssue: #11',
      [here11]
    ],
    ['any case', 'parsers/master.py re.IGNORECASE', '**GITHUB ISSUES:** #10', [here10]],
    ['any case, plain', 'parsers/master.py re.IGNORECASE', 'github issues: #11', [here11]],
    // The list: forms of the separators.
    [
      'a list with commas',
      'docs/GITHUB_SYNC.md "**GitHub Issues:** #10, #11, #12"',
      '**GitHub Issues:** #10, #11, #12',
      [here10, here11, ref('octo', 'workflow-repo', 12)]
    ],
    [
      'a list with spaces',
      'SPEC §4; Debussy reads it (ISSUE_PATTERN finditer)',
      '**GitHub Issues:** #10 #11',
      [here10, here11]
    ],
    [
      'a bracketed list of numbers',
      'parsers/master.py docstring "[10, 11]" (Debussy reads nothing)',
      '**github_issues:** [10, 11]',
      [here10, here11]
    ],
    [
      'a bracketed list of #refs',
      'docs/plans/phase8/phase-1.md "github_issues: [#10, #11]"',
      'github_issues: [#10, #11]',
      [here10, here11]
    ],
    [
      'URLs joined by "and"',
      'tests/test_sync_github.py test_parse_github_issues_urls',
      '**GitHub Issues:** https://github.com/owner/repo/issues/10 and https://github.com/owner/repo/issues/11',
      [owner(10), owner(11)]
    ],
    // The refs.
    [
      'a bare number',
      'SPEC §4; sync/github_sync.py parse_github_issues (lists of numbers)',
      '**GitHub Issues:** 10',
      [here10]
    ],
    [
      'gh# refs',
      'docs/GITHUB_SYNC.md "**github_issues:** gh#10, gh#11"',
      '**github_issues:** gh#10, gh#11',
      [here10, here11]
    ],
    [
      'github# refs',
      'sync/github_sync.py ISSUE_PATTERN (?:gh|github)#?',
      '**GitHub Issues:** github#10, github#11',
      [here10, here11]
    ],
    [
      "owner/repo#N (Debussy reads #4 of the plan's repo)",
      'SPEC §4',
      '**GitHub Issues:** acme/payments#4',
      [acme(4)]
    ],
    [
      'an issue URL',
      'docs/GITHUB_SYNC.md "Or with full URLs"',
      '**GitHub Issues:** https://github.com/owner/repo/issues/10',
      [owner(10)]
    ],
    [
      'a pull request URL',
      'SPEC §4',
      '**GitHub Issues:** https://github.com/owner/repo/pull/10',
      [owner(10)]
    ],
    [
      'mixed forms',
      'tests/test_sync_github.py test_parse_github_issues_mixed',
      '**GitHub Issues:** #10, gh#11, https://github.com/owner/repo/issues/12',
      [here10, here11, owner(12)]
    ]
  ])('%s (%s)', (_form, _where, line, issues) => {
    const { plan, findings } = parse(`# Plan\n\n${line}\n`)
    expect(plan.issues).toEqual(issues)
    expect(findings).toEqual([])
  })

  it.each<[form: string, documentedIn: string, line: string]>([
    [
      'bold, colon inside',
      'docs/GITHUB_SYNC.md; parsers/master.py docstring',
      '**GitHub Repo:** acme/payments'
    ],
    [
      'bold, colon after the bold',
      'parsers/master.py, first pattern',
      '**GitHub Repo**: acme/payments'
    ],
    [
      'the plain line',
      'parsers/master.py docstring "GitHub Repo: owner/repo"',
      'GitHub Repo: acme/payments'
    ],
    [
      'github_repo, bold',
      'parsers/master.py docstring "**github_repo:** owner/repo"',
      '**github_repo:** acme/payments'
    ],
    ['github_repo, plain', 'parsers/master.py second pattern', 'github_repo: acme/payments'],
    [
      'GitHubRepo, no space, any case',
      'parsers/master.py GitHub\\s*Repo, re.IGNORECASE',
      '**GITHUBREPO:** acme/payments'
    ]
  ])('reads the repo line: %s (%s)', (_form, _where, line) => {
    const { plan, findings } = parse(`# Plan\n\n**GitHub Issues:** #5\n${line}\n`)
    expect(plan.repo).toEqual({ owner: 'acme', repo: 'payments' })
    expect(plan.issues).toEqual([acme(5)])
    expect(findings).toEqual([])
  })

  it("reads the example of Debussy's parser docstring (parsers/master.py), table included", () => {
    const text = [
      '# Feature Name - Master Plan',
      '',
      '**GitHub Issues:** #10, #11',
      '**GitHub Repo:** owner/repo',
      '',
      '## Phases',
      '',
      '| Phase | Title | Focus | Risk | Status |',
      '|-------|-------|-------|------|--------|',
      '| 1 | [Unit of Work](feature-phase1.md) | ... | Low | Pending |',
      '| 2 | [State Model](feature-phase2.md) | ... | Low | Pending |'
    ].join('\n')
    const { plan, findings } = parse(text)
    expect(plan.issues).toEqual([owner(10), owner(11)])
    expect(plan.repo).toEqual({ owner: 'owner', repo: 'repo' })
    expect(plan.phases.map((phase) => phase.id)).toEqual(['1', '2'])
    expect(findings).toEqual([])
  })

  it("reads the Quick Start plan of Debussy's docs/GITHUB_SYNC.md", () => {
    const text =
      '# My Feature - Master Plan\n\n**GitHub Issues:** #10, #11, #12\n**GitHub Repo:** owner/repo\n\n## Phases\n...\n'
    expect(parse(text).plan.issues).toEqual([owner(10), owner(11), owner(12)])
  })

  it("reads a phase file of Debussy's own plans (docs/plans/v0.7.0/phase-1.md)", () => {
    const text =
      '# Issue Tracker Enhancements Phase 1: Add pipe mechanism for plan-from-issues Q&A\n\n**Status:** Pending\n**Master Plan:** [Issue Tracker Enhancements-MASTER_PLAN.md](issue-tracker-enhancements-MASTER_PLAN.md)\n**Depends On:** N/A\n**GitHub Issues:** #17\n\n---\n'
    expect(parse(text).plan.issues).toEqual([ref('octo', 'workflow-repo', 17)])
  })

  it('reads a plain key line written in the frontmatter, as Debussy (which reads the whole text) does', () => {
    const text = '---\ntitle: Plan\nGitHub Issues: #10, #11\n---\n# Plan\n'
    expect(parse(text).plan.issues).toEqual([here10, here11])
  })
})

describe('a line that looks like an issue list but yields no issue: a warning that quotes it', () => {
  const linksNone = (planPath: string): Finding => ({
    level: 'notice',
    message: `plan ${planPath} links no issues, so there is nothing to sync. Link them in its YAML frontmatter (github_issues: ["#10", "#11"]) or with a body line **GitHub Issues:** #10, #11`
  })

  it.each<[string, string, number, string]>([
    ['a list of separators only', '**GitHub Issues:** , ,', 3, 'names no issue reference'],
    ['words, no ref', 'GitHub Issues: tracked in Jira', 3, 'names no issue reference'],
    ['an empty bracketed list', '**github_issues:** []', 3, 'names no issue reference'],
    [
      'a line inside a code block',
      '```markdown\n**GitHub Issues:** #10\n```',
      4,
      'inside a fenced code block'
    ],
    ['a heading', '## GitHub Issues: #10', 3, 'a heading'],
    [
      'the label inside a sentence',
      'Related GitHub Issues: #10, #11',
      3,
      'not at the start of the line'
    ]
  ])('%s', (_name, lines, line, reason) => {
    const { plan, findings } = parse(`# Plan\n\n${lines}\n`, 'plans/x.md')
    expect(plan.issues).toEqual([])
    const quoted = lines.split('\n').find((l) => /github/i.test(l)) ?? ''
    expect(findings).toEqual([
      {
        level: 'warning',
        message: expect.stringContaining(`plan plans/x.md line ${line}: "${quoted}"`)
      },
      linksNone('plans/x.md')
    ])
    expect(findings[0]?.message).toContain(reason)
  })

  it.each([
    [
      'uses the first line that names refs, and warns about an earlier line that names none',
      '# Plan\n\nGitHub issues: see below\n\n**GitHub Issues:** #10\n',
      [
        {
          level: 'warning',
          message: expect.stringContaining(
            'plan p.md line 3: "GitHub issues: see below" looks like an issue list but names no issue reference'
          )
        }
      ]
    ],
    [
      'does not warn about look-alike lines when the plan links issues',
      '# Plan\n\n**GitHub Issues:** #10\n\n```\nGitHub Issues: #99\n```\n',
      []
    ]
  ])('%s', (_name, text, expected) => {
    const { plan, findings } = parse(text, 'p.md')
    expect(plan.issues).toEqual([here10])
    expect(findings).toEqual(expected)
  })
})

describe('the ## Phases table', () => {
  const table = (rows: string, header = '| Phase | Title | Focus | Risk | Status |'): string =>
    `# Plan\n\n## Phases\n\n${header}\n|---|---|---|---|---|\n${rows}\n`

  it('reads ids (decimal, bold, in backticks), linked titles and statuses', () => {
    const { plan, findings } = parse(
      table(
        [
          '| 1 | [Schema](phase-1.md) | a | Low | ✅ Completed |',
          '| **1.5** | **[Backfill](p.md)** extra | a | Low | Done |',
          '| `2` | Plain title | a | Low | **complete** |',
          '| 2.10 | [Split \\| merge](p.md) | a | Low | In progress |',
          '| 3 | [A](a.md) and [B](b.md) | a | Low | Pending |',
          '|4|Short|'
        ].join('\n')
      )
    )
    expect(plan.phases).toEqual([
      { id: '1', title: 'Schema', done: true },
      { id: '1.5', title: 'Backfill extra', done: true },
      { id: '2', title: 'Plain title', done: true },
      { id: '2.10', title: 'Split | merge', done: false },
      { id: '3', title: 'A and B', done: false },
      { id: '4', title: 'Short', done: false }
    ])
    expect(findings).toEqual([expect.objectContaining({ level: 'notice' })])
  })

  it('finds the Status column by name, else uses the last column', () => {
    const byName = parse(
      table('| 1 | T | Done | x | y |', '| Phase | Title | **Status** | Notes | Owner |')
    )
    expect(byName.plan.phases[0]?.done).toBe(true)
    const byPosition = parse(
      table('| 1 | T | Done | x | Pending |', '| # | Name | A | B | State |')
    )
    expect(byPosition.plan.phases[0]?.done).toBe(false)
  })

  it('warns about rows without an id and repeated ids, counting every row with an id', () => {
    const { plan, findings } = parse(
      table(['| 1 | A | | | |', '|  | B | | | |', '| 01 | C | | | |'].join('\n')),
      'p.md'
    )
    expect(plan.phases.map((phase) => phase.id)).toEqual(['1', '01'])
    expect(findings.filter((finding) => finding.level === 'warning')).toEqual([
      {
        level: 'warning',
        message:
          'plan p.md line 8: a row of the ## Phases table has no phase id in its first cell; it is not counted'
      },
      {
        level: 'warning',
        message:
          'plan p.md line 9: phase 01 is listed again (first on line 7); both rows count towards the total'
      }
    ])
  })

  it.each([
    ['"## phases" in lower case', '## phases'],
    ['a closing sequence', '## Phases ##'],
    ['words after it', '## Phases (4)'],
    ['bold', '## **Phases**']
  ])('finds the section under %s', (_name, heading) => {
    const text = `${heading}\n\n### Overview\n\n| Phase | Title | Status |\n| :-- | --- | --: |\n| 1 | A | Done |\n`
    expect(parse(text).plan.phases).toEqual([{ id: '1', title: 'A', done: true }])
  })

  it('stops at the end of the table and ignores later tables', () => {
    const text = table('| 1 | A | | | |\n\n| 2 | B | | | |') + '\n| x | y |\n|---|---|\n| 9 | Z |\n'
    expect(parse(text).plan.phases.map((phase) => phase.id)).toEqual(['1'])
  })

  it.each([
    ['no Phases section', '# Plan\n\n| Phase | Title |\n|---|---|\n| 1 | A |\n'],
    [
      'a Phases section without a table',
      '## Phases\n\nTo do.\n\n## Risks\n\n| 1 | A |\n|---|---|\n'
    ],
    ['a level-3 Phases heading', '### Phases\n\n| Phase | Title |\n|---|---|\n| 1 | A |\n'],
    [
      'a table inside a code block',
      '## Phases\n\n```\n| Phase | Title |\n|---|---|\n| 1 | A |\n```\n'
    ],
    ['rows without a separator line', '## Phases\n\n| Phase | Title |\n| 1 | A |\n'],
    ['a table at the end of the file', '## Phases\n\n| Phase | Title |']
  ])('reads %s as no phases', (_name, text) => {
    expect(parse(text).plan.phases).toEqual([])
  })

  it('skips a pipe line that is not a table and reads the table after it', () => {
    const text = '## Phases\n\n| not a table\n\n| Phase | Title |\n|---|---|\n| 1 | A |\n'
    expect(parse(text).plan.phases).toEqual([{ id: '1', title: 'A', done: false }])
  })
})

describe('title and path', () => {
  it.each([
    ['the first # heading', '# My Plan\n# Second\n', 'My Plan'],
    ['a heading with a closing sequence', '#   My Plan   ##\n', 'My Plan'],
    ['a heading ending in a hash tag', '# Plan #5\n', 'Plan #5'],
    ['not a level-2 heading', '## Section\n# Real\n', 'Real'],
    ['not a heading inside a code block', '```\n# comment\n```\n# Real\n', 'Real'],
    ['not #text without a space', '#hashtag\n', 'MASTER_PLAN.md'],
    ['not an empty heading', '#\n# Real\n', 'Real'],
    ['the file name without a heading', 'Text only.\n', 'MASTER_PLAN.md'],
    ['the heading after frontmatter', '---\ngithub_repo: a/b\n---\n# After\n', 'After']
  ])('is %s', (_name, text, title) => {
    expect(parse(text).plan.title).toBe(title)
  })

  it.each([
    ['./docs/MASTER_PLAN.md', 'docs/MASTER_PLAN.md'],
    ['docs\\plans\\MASTER_PLAN.md', 'docs/plans/MASTER_PLAN.md'],
    ['././docs//x/../MASTER_PLAN.md', 'docs/MASTER_PLAN.md'],
    [' MASTER_PLAN.md ', 'MASTER_PLAN.md']
  ])('normalises the path %j', (given, expected) => {
    expect(parsePlan('# P\n', given, context).plan.path).toBe(expected)
  })

  it('tolerates a byte-order mark', () => {
    const { plan } = parse('\uFEFF---\ngithub_issues: "#10"\n---\n# Plan\n')
    expect(plan.issues).toEqual([here10])
    expect(plan.title).toBe('Plan')
  })
})

describe('hostile input', () => {
  const MEGABYTE = 1024 * 1024
  it.each([
    ['a huge bold line of brackets', `**GitHub Issues:** ${'['.repeat(MEGABYTE)}`],
    ['a huge bold line of links', `**GitHub Issues:** ${'[]('.repeat(MEGABYTE / 3)}`],
    ['a huge bold line of spaces', `**GitHub Issues:** #1${' '.repeat(MEGABYTE)}x`],
    ['a huge bold label', `**${'GitHub '.repeat(MEGABYTE / 7)}`],
    ['a huge look-alike line', `See GitHub${' '.repeat(MEGABYTE)}x`],
    ['many look-alike keys', `See ${'GitHub issues '.repeat(MEGABYTE / 14)}`],
    ['a huge plain key line', `GitHub Issues: #1${' '.repeat(MEGABYTE)}x`],
    ['many key lines naming no ref', 'GitHub Issues: x\n'.repeat(MEGABYTE / 17)],
    ['a huge code block of look-alikes', `\`\`\`\n${'GitHub Issues: #1\n'.repeat(MEGABYTE / 18)}`],
    ['a huge table row', `## Phases\n| a | b |\n|---|---|\n| 1 | ${'[]('.repeat(MEGABYTE / 3)} |`],
    ['a huge status', `## Phases\n| a | b |\n|---|---|\n| 1 | ${'🚧 '.repeat(MEGABYTE / 3)} |`],
    ['a huge heading', `# ${'#'.repeat(MEGABYTE)} x ${' #'.repeat(MEGABYTE / 2)}`],
    ['many blank lines', '\n'.repeat(MEGABYTE)],
    ['many fence lines', '```\n'.repeat(MEGABYTE / 4)],
    ['a huge seed line', `---\ngithub_issues: #1${' #'.repeat(5000)}\n---\n`]
  ])('handles %s in linear time', (_name, text) => {
    // No stopwatch (a loaded machine makes one flaky): each input is about a
    // megabyte, so a scan quadratic in it (10^12 steps) would not end within the
    // test's timeout, while a linear one takes milliseconds on any machine.
    try {
      parse(text)
    } catch (error) {
      expect(error).toBeInstanceOf(InputError)
    }
  })
})

describe('normalisePhaseId', () => {
  it.each([
    ['1', '1'],
    [' 02 ', '2'],
    ['2.5', '2.5'],
    ['2.50', '2.50'],
    ['02.05', '2.5'],
    ['0', '0'],
    ['00.0', '0.0'],
    ['3.1.4', '3.1.4'],
    ['1a', '1a'],
    [' setup ', 'setup'],
    ['2.', '2.']
  ])('%j -> %j', (id, expected) => {
    expect(normalisePhaseId(id)).toBe(expected)
  })
})

describe('isDoneStatus', () => {
  it.each([
    ['Completed', true],
    ['completed', true],
    ['COMPLETE', true],
    ['Done', true],
    ['done (2026-10-02)', true],
    ['✅', true],
    ['✅ Completed', true],
    ['✅ Merged', true],
    ['✔️ ok', true],
    ['☑ shipped', true],
    ['**Done**', true],
    ['  _Completed_', true],
    ['🎉 Done', true],
    ['Pending', false],
    ['In progress', false],
    ['Incomplete', false],
    ['Not done', false],
    ['Failed', false],
    ['❌ Done', false],
    ['✗ Completed', false],
    ['', false],
    ['🚧', false],
    ['2026 Done', false]
  ])('%j -> %s', (status, done) => {
    expect(isDoneStatus(status)).toBe(done)
  })
})

describe('loadPlan', () => {
  let workspace: string
  beforeAll(() => {
    workspace = mkdtempSync(path.join(tmpdir(), 'plan-file-'))
    mkdirSync(path.join(workspace, 'docs'))
    writeFileSync(
      path.join(workspace, 'docs', 'MASTER_PLAN.md'),
      `\uFEFF${fixture('MASTER_PLAN.frontmatter.md.txt')}`
    )
  })
  afterAll(() => rmSync(workspace, { recursive: true, force: true }))

  it('reads the plan from the workspace', async () => {
    const { plan, findings } = await loadPlan(
      workspace,
      './docs/MASTER_PLAN.md',
      context,
      'client_payload.plan'
    )
    expect(plan.path).toBe('docs/MASTER_PLAN.md')
    expect(plan.issues).toEqual([ref('acme', 'payments', 41), ref('acme', 'payments', 42)])
    expect(findings).toEqual([])
  })

  it('refuses a missing plan, naming the field and the fix', async () => {
    const error = await loadPlan(workspace, 'docs/NOPE.md', context, 'client_payload.plan').catch(
      (caught: unknown) => caught
    )
    expect(error).toBeInstanceOf(InputError)
    expect(error).toMatchObject({
      field: 'client_payload.plan',
      problem: '"docs/NOPE.md" was not found in the repository checkout',
      fix: 'Check the path (relative to the repository root), and that actions/checkout ran before this step'
    })
  })

  it('refuses a path outside the workspace without reading it', async () => {
    const error = await loadPlan(workspace, '../etc/passwd', context, 'input plan').catch(
      (caught: unknown) => caught
    )
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).message).toMatch(/^input plan: .*outside the repository/)
  })
})
