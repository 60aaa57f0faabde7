import { describe, expect, it } from '@jest/globals'
import type { IssueRef, MasterPlan, RepoRef } from '../src/domain.js'
import { InputError } from '../src/errors.js'
import { checkIssueCount, limitToWritableRepos } from '../src/write-scope.js'
import { masterPlan } from '../test-support/domain-builders.js'

const repo = (text: string): RepoRef => {
  const [owner = '', name = ''] = text.split('/')
  return { owner, repo: name }
}
const ref = (text: string): IssueRef => {
  const [full = '', number = ''] = text.split('#')
  return { ...repo(full), number: Number(number) }
}

const plan = (issues: string[], planRepo = 'acme/payments'): MasterPlan =>
  masterPlan({ issues: issues.map(ref), repo: repo(planRepo) })

describe('limitToWritableRepos', () => {
  const workflow = repo('acme/payments')

  it.each<[string, string, string[], string[], string[]]>([
    // [what, plan's repo, config repositories, refs, kept]
    ['the workflow repository', 'acme/payments', [], ['acme/payments#1'], ['acme/payments#1']],
    ['the plan repository', 'acme/ledger', [], ['acme/ledger#2'], ['acme/ledger#2']],
    [
      'a listed repository, compared without case',
      'acme/payments',
      ['Acme/Billing-Service'],
      ['acme/billing-service#7', 'ACME/PAYMENTS#1'],
      ['acme/billing-service#7', 'ACME/PAYMENTS#1']
    ],
    [
      'none elsewhere',
      'acme/payments',
      ['acme/ledger'],
      ['acme/payments#1', 'evil/target#9', 'acme/ledger#3', 'evil/target#10', 'other/x#1'],
      ['acme/payments#1', 'acme/ledger#3']
    ]
  ])('keeps refs to %s', (_what, planRepo, listed, refs, kept) => {
    const result = limitToWritableRepos(plan(refs, planRepo), {
      workflowRepo: workflow,
      repositories: listed.map(repo),
      configPath: '.debussy/config.yaml'
    })
    expect(result.plan.issues).toEqual(kept.map(ref))
    expect(result.findings).toHaveLength(refs.length === kept.length ? 0 : 1)
  })

  it('warns once, naming each skipped ref and how to allow its repository', () => {
    const { findings } = limitToWritableRepos(
      plan(['acme/payments#1', 'evil/target#9', 'evil/target#10', 'other/x#1']),
      { workflowRepo: workflow, repositories: [], configPath: '.debussy/config.yaml' }
    )
    expect(findings).toEqual([
      {
        level: 'warning',
        message: expect.stringMatching(
          /^Skipped evil\/target#9, evil\/target#10, other\/x#1: .*acme\/payments.*github\.repositories in \.debussy\/config\.yaml/
        ) as unknown as string
      }
    ])
  })

  it('returns the plan itself when every ref may be written', () => {
    const given = plan(['acme/payments#1'])
    expect(
      limitToWritableRepos(given, {
        workflowRepo: workflow,
        repositories: [],
        configPath: '.debussy/config.yaml'
      }).plan
    ).toBe(given)
  })
})

describe('checkIssueCount', () => {
  it('accepts a plan at the limit', () => {
    expect(() =>
      checkIssueCount(plan(['a/b#1', 'a/b#2']), 2, '.debussy/config.yaml', 'client_payload.plan')
    ).not.toThrow()
  })

  it('refuses more, naming the count, the limit and the key to raise', () => {
    let thrown: unknown
    try {
      checkIssueCount(
        plan(['a/b#1', 'a/b#2', 'a/b#3']),
        2,
        '.debussy/config.yaml',
        'client_payload.plan'
      )
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(InputError)
    const error = thrown as InputError
    expect(error.field).toBe('client_payload.plan')
    expect(error.problem).toContain('links 3 issues')
    expect(error.problem).toContain('at most 2')
    expect(error.fix).toContain('github.max_issues')
    expect(error.fix).toContain('.debussy/config.yaml')
  })
})
