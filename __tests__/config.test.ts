import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { z } from 'zod'
import { DEFAULT_CONFIG, githubConfigSchema, loadConfig, parseConfig } from '../src/config.js'
import type { SyncConfig } from '../src/domain.js'
import { InputError } from '../src/errors.js'
import { refusal, refusedWith } from '../test-support/refusal.js'
import { DEBUSSY_INIT_CONFIG } from '../test-support/fixtures.js'

const SOURCE = '.debussy/config.yaml'

/** The example config (SPEC examples/config.yaml): Debussy's own keys beside `github:`. */
const EXAMPLE = `# .debussy/config.yaml as Debussy writes it: only the github: section concerns the action.
timeout: 1800
max_retries: 2
model: sonnet
github:
  enabled: false
  auto_close: false
  create_labels_if_missing: true
  dry_run: false
  labels:
    in_progress: "debussy:in-progress"
    completed: "debussy:completed"
    failed: "debussy:failed"
    color_in_progress: "1D76DB"
    color_completed: "0E8A16"
    color_failed: "D93F0B"
`

describe('parseConfig', () => {
  it('reads the example config, ignoring the keys that are Debussy’s alone', () => {
    expect(parseConfig(EXAMPLE, SOURCE)).toEqual({ config: DEFAULT_CONFIG, findings: [] })
  })

  it('has the defaults of SPEC §5', () => {
    expect(DEFAULT_CONFIG).toEqual({
      enabled: false,
      autoClose: false,
      createLabelsIfMissing: true,
      dryRun: false,
      statusComment: false,
      labels: {
        inProgress: 'debussy:in-progress',
        completed: 'debussy:completed',
        failed: 'debussy:failed',
        validating: 'debussy:validating',
        awaitingHuman: 'debussy:awaiting-human',
        blocked: 'debussy:blocked'
      },
      colors: {
        inProgress: '1D76DB',
        completed: '0E8A16',
        failed: 'D93F0B',
        validating: 'FBCA04',
        awaitingHuman: 'D876E3',
        blocked: 'B60205'
      },
      repositories: [],
      maxIssues: 500
    })
  })

  it.each([
    ['an empty file', ''],
    ['a file of comments', '# nothing here yet\n'],
    [
      'a file without github:',
      'timeout: 1800\nmodel: sonnet\nnested:\n  github:\n    enabled: false\n'
    ],
    ['an empty github:', 'github:\n'],
    ['github: null', 'github: null\n'],
    ['github: {}', 'github: {}\n'],
    ['an empty labels:', 'github:\n  labels:\n'],
    ['a document marker only', '---\n']
  ])('uses the defaults for %s', (_what, text) => {
    expect(parseConfig(text, SOURCE)).toEqual({ config: DEFAULT_CONFIG, findings: [] })
  })

  it.each<[string, string, Partial<SyncConfig>]>([
    ['enabled: false', 'enabled: false', { enabled: false }],
    ['enabled: no', 'enabled: no', { enabled: false }],
    ['auto_close: true', 'auto_close: true', { autoClose: true }],
    [
      'create_labels_if_missing: false',
      'create_labels_if_missing: false',
      { createLabelsIfMissing: false }
    ],
    ['dry_run: true', 'dry_run: true', { dryRun: true }],
    // Debussy reads the file as YAML 1.1 (PyYAML): these mean what they mean to it.
    ['dry_run: yes', 'dry_run: yes', { dryRun: true }],
    ['auto_close: True', 'auto_close: True', { autoClose: true }],
    [
      'the three label names',
      'labels:\n    in_progress: "wip"\n    completed: done\n    failed: "  broken  "',
      {
        labels: { ...DEFAULT_CONFIG.labels, inProgress: 'wip', completed: 'done', failed: 'broken' }
      }
    ],
    [
      'the labels of the other three states',
      'labels:\n    validating: checking\n    awaiting_human: "needs a person"\n    blocked: stuck',
      {
        labels: {
          ...DEFAULT_CONFIG.labels,
          validating: 'checking',
          awaitingHuman: 'needs a person',
          blocked: 'stuck'
        }
      }
    ],
    [
      'one label name, the others default',
      'labels:\n    failed: "status: failed 🔥"',
      { labels: { ...DEFAULT_CONFIG.labels, failed: 'status: failed 🔥' } }
    ],
    [
      'a label name of 50 characters, emoji counted as one',
      `labels:\n    completed: "${'✅'.repeat(50)}"`,
      { labels: { ...DEFAULT_CONFIG.labels, completed: '✅'.repeat(50) } }
    ],
    [
      'colors with "#", in lower case',
      'labels:\n    color_in_progress: "#aabbcc"\n    color_completed: "0e8a16"\n    color_failed: "#D93f0b"',
      {
        colors: {
          ...DEFAULT_CONFIG.colors,
          inProgress: 'AABBCC',
          completed: '0E8A16',
          failed: 'D93F0B'
        }
      }
    ],
    [
      'the colors of the other three states',
      'labels:\n    color_validating: "#fef2c0"\n    color_awaiting_human: 5319E7\n    color_blocked: "000000"',
      {
        colors: {
          ...DEFAULT_CONFIG.colors,
          validating: 'FEF2C0',
          awaitingHuman: '5319E7',
          blocked: '000000'
        }
      }
    ],
    [
      'unquoted colors that YAML would read as numbers',
      'labels:\n    color_in_progress: 123456\n    color_completed: 001122\n    color_failed: 0E8123',
      {
        colors: {
          ...DEFAULT_CONFIG.colors,
          inProgress: '123456',
          completed: '001122',
          failed: '0E8123'
        }
      }
    ],
    [
      'extra repositories to write to',
      'repositories: [acme/billing-service, " Acme/Ledger "]',
      {
        repositories: [
          { owner: 'acme', repo: 'billing-service' },
          { owner: 'Acme', repo: 'Ledger' }
        ]
      }
    ],
    ['an empty list of repositories', 'repositories: []', {}],
    ['an empty repositories:', 'repositories:', {}],
    ['max_issues', 'max_issues: 2000', { maxIssues: 2000 }],
    ['max_issues of 1', 'max_issues: 1', { maxIssues: 1 }],
    [
      'a color shared through a YAML anchor',
      'labels:\n    color_completed: &green "0E8A16"\n    color_in_progress: *green',
      { colors: { ...DEFAULT_CONFIG.colors, inProgress: '0E8A16' } }
    ]
  ])('reads %s', (_what, section, expected) => {
    expect(parseConfig(`model: sonnet\ngithub:\n  ${section}\n`, SOURCE)).toEqual({
      config: { ...DEFAULT_CONFIG, ...expected },
      findings: []
    })
  })

  it.each<[string, string, string]>([
    ['auto-close: true', 'github.auto-close', 'did you mean auto_close?'],
    ['autoClose: true', 'github.autoClose', 'did you mean auto_close?'],
    ['enable: false', 'github.enable', 'it is ignored (did you mean enabled?)'],
    // A typo within two edits gets the same hint as a case or punctuation slip.
    ['max_isues: 3', 'github.max_isues', 'did you mean max_issues?'],
    ['labels:\n    inProgress: wip', 'github.labels.inProgress', 'did you mean in_progress?'],
    ['labels:\n    colour_failed: "000000"', 'github.labels.colour_failed', 'it is ignored']
  ])('warns about the unknown key in %j and ignores it', (section, key, hint) => {
    const result = parseConfig(`github:\n  ${section}\n`, SOURCE)
    expect(result.config).toEqual(DEFAULT_CONFIG)
    expect(result.findings).toHaveLength(1)
    expect(result.findings[0]?.level).toBe('warning')
    expect(result.findings[0]?.message).toContain(
      `${SOURCE}: ${key} is not a setting the action knows, so it is ignored`
    )
    expect(result.findings[0]?.message).toContain(hint)
  })

  it('warns about a github: section spelt with other case, which it does not read', () => {
    const result = parseConfig('GitHub:\n  dry_run: true\n', SOURCE)
    expect(result.config.dryRun).toBe(false)
    expect(result.findings[0]?.message).toContain('GitHub is not a setting the action knows')
    expect(result.findings[0]?.message).toContain('did you mean github?')
  })

  it('warns about each unknown key and still applies the known ones', () => {
    const result = parseConfig(
      'github:\n  dry_run: true\n  foo: 1\n  labels:\n    bar: 2\n',
      SOURCE
    )
    expect(result.config.dryRun).toBe(true)
    const messages = result.findings.map((finding) => finding.message)
    expect(messages).toHaveLength(2)
    expect(messages[0]).toContain('github.foo')
    expect(messages[1]).toContain('github.labels.bar')
  })

  it.each<[string, string, string, string, string]>([
    // [what, github: section, field, problem, fix]
    [
      'a repository that is not owner/repo',
      'repositories: [billing-service]',
      'github.repositories',
      'got "billing-service", expected a list of repositories written owner/repo',
      'Write each as owner/repo, such as "acme/billing-service"'
    ],
    [
      'one string for the list of repositories',
      'repositories: acme/billing-service',
      'github.repositories',
      'got "acme/billing-service", expected a list of repositories written owner/repo',
      'Write each as owner/repo'
    ],
    [
      'a number for a repository',
      'repositories: [42]',
      'github.repositories',
      'got 42, expected a list of repositories written owner/repo',
      'Write each as owner/repo'
    ],
    [
      'max_issues of 0',
      'max_issues: 0',
      'github.max_issues',
      'got 0, expected a whole number of at least 1',
      'Write "max_issues: 500"'
    ],
    [
      'max_issues as a fraction',
      'max_issues: 2.5',
      'github.max_issues',
      'got 2.5, expected a whole number of at least 1',
      'Write "max_issues: 500"'
    ],
    [
      'max_issues in quotes',
      'max_issues: "600"',
      'github.max_issues',
      'got "600", expected a whole number of at least 1',
      'Write "max_issues: 500"'
    ],
    [
      'a word for a boolean',
      'enabled: "yes please"',
      'github.enabled',
      'got "yes please", expected true or false',
      'Write "enabled: true" or "enabled: false"'
    ],
    [
      'a number for a boolean',
      'auto_close: 1',
      'github.auto_close',
      'got 1, expected true or false',
      'Write "auto_close: true"'
    ],
    [
      'an empty boolean',
      'create_labels_if_missing:',
      'github.create_labels_if_missing',
      'got null',
      'Write "create_labels_if_missing: true"'
    ],
    [
      'a list for a boolean',
      'dry_run: [true]',
      'github.dry_run',
      'got a list',
      'Write "dry_run: true"'
    ],
    [
      'labels that are not a mapping',
      'labels: debussy',
      'github.labels',
      'got "debussy", expected a mapping',
      'under "labels:"'
    ],
    [
      'an empty label name',
      'labels:\n    in_progress: "  "',
      'github.labels.in_progress',
      'got "  ", expected a label name',
      'such as "debussy:in-progress"'
    ],
    [
      'a label name of 51 characters',
      `labels:\n    completed: "${'x'.repeat(51)}"`,
      'github.labels.completed',
      '1 to 50 characters',
      'such as "debussy:completed"'
    ],
    [
      'a label name with a control character',
      'labels:\n    failed: "fail\\ted"',
      'github.labels.failed',
      'got "fail\\u0009ed"',
      'such as "debussy:failed"'
    ],
    [
      'a label name that is a mapping',
      'labels:\n    failed: {name: x}',
      'github.labels.failed',
      'got a mapping',
      'such as "debussy:failed"'
    ],
    [
      'a color name',
      'labels:\n    color_failed: red',
      'github.labels.color_failed',
      'got "red", expected 6 hex digits',
      'Write 6 hex digits such as "D93F0B"'
    ],
    [
      'a color of 5 digits',
      'labels:\n    color_completed: "#0E8A1"',
      'github.labels.color_completed',
      'got "#0E8A1"',
      'such as "0E8A16"'
    ],
    [
      'a color of 7 digits',
      'labels:\n    color_in_progress: 1234567',
      'github.labels.color_in_progress',
      'got "1234567"',
      'such as "1D76DB"'
    ],
    [
      'a color that YAML reads as a boolean',
      'labels:\n    color_failed: off',
      'github.labels.color_failed',
      'got false',
      'such as "D93F0B"'
    ],
    [
      'an unquoted "#" color, which YAML reads as a comment',
      'labels:\n    color_failed: #D93F0B',
      'github.labels.color_failed',
      'got null',
      'in quotes'
    ],
    [
      'two bad keys',
      'enabled: 2\n  labels:\n    color_failed: red',
      'github.enabled',
      'got 2',
      'Also check github.labels.color_failed'
    ],
    [
      'two labels with one name',
      'labels:\n    completed: Done\n    failed: done',
      'github.labels.failed',
      '"done" is also the completed label',
      'its own label name'
    ],
    [
      'a label name that is another state’s default',
      'labels:\n    completed: DEBUSSY:IN-PROGRESS',
      'github.labels.completed',
      'is also the in_progress label',
      'its own label name'
    ],
    [
      'a new state label named like an old one',
      'labels:\n    blocked: Debussy:Failed',
      'github.labels.blocked',
      'is also the failed label',
      'validating, awaiting_human and blocked its own label name'
    ],
    [
      'two new state labels with one name',
      'labels:\n    validating: waiting\n    awaiting_human: WAITING',
      'github.labels.awaiting_human',
      '"WAITING" is also the validating label',
      'its own label name'
    ]
  ])('refuses %s, naming the key and the fix', (_what, section, key, problem, fix) => {
    refusedWith(
      () => parseConfig(`github:\n  ${section}\n`, SOURCE),
      `${SOURCE} ${key}`,
      problem,
      fix
    )
  })

  // prettier-ignore
  it.each<[string, string, string, string, string]>([
    ['a top-level list', '- github\n', SOURCE, 'is a list, not a mapping', 'key: value'],
    ['a top-level word', 'github\n', SOURCE, 'is "github", not a mapping', 'key: value'],
    ['github: true', 'github: true\n', `${SOURCE} github`, 'is true, not a mapping', 'Indent the settings under "github:"'],
    ['github: as a list', 'github:\n  - enabled: false\n', `${SOURCE} github`, 'is a list', 'Indent'],
    ['a repeated github:', 'github:\n  enabled: false\ngithub:\n  enabled: true\n', `${SOURCE} (line 3, column 1)`, 'a key is repeated', 'Keep one of the repeated keys'],
    ['a repeated label key', 'github:\n  labels:\n    failed: a\n    failed: b\n', `${SOURCE} (line 4, column 5)`, 'a key is repeated', 'Keep one'],
    ['an unclosed list', 'github:\n  labels: [a\n', `${SOURCE} (line 3, column 1)`, 'Flow sequence', 'Fix the YAML at that line'],
    ['a tab as indentation', 'github:\n\tenabled: false\n', `${SOURCE} (line 2, column 1)`, 'Tabs are not allowed', 'Fix the YAML'],
    ['two documents', 'github: {}\n---\ngithub: {}\n', `${SOURCE} (line 2, column 1)`, 'more than one YAML document', 'Remove the "---" line'],
    ['an alias without its anchor', 'github:\n  enabled: *on\n', SOURCE, 'cannot be read as YAML: Unresolved alias', 'anchors and aliases']
  ])('refuses %s', (_what, text, field, problem, fix) => {
    refusedWith(() => parseConfig(text, SOURCE), field, problem, fix)
  })

  it('refuses a YAML alias bomb quickly, without expanding it', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level)
      const name = String.fromCharCode(97 + level)
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`)
    }
    // Expanded, the bomb is 9^9 strings: a parse that expanded it would not end
    // within the test's timeout, so the refusal shows it was not expanded.
    const error = refusal(() =>
      parseConfig(`${levels.join('\n')}\ngithub:\n  enabled: true\n`, SOURCE)
    )
    expect(error.field).toBe(SOURCE)
    expect(error.problem).toContain('alias bomb')
  })

  it('can be published as a JSON Schema with the defaults and a description of every key', () => {
    const json = z.toJSONSchema(githubConfigSchema, { io: 'input' }) as {
      properties: Record<
        string,
        {
          default?: unknown
          description?: string
          properties?: Record<string, { default?: unknown; description?: string }>
        }
      >
      required?: string[]
    }
    expect(json.required).toBeUndefined()
    expect(json.properties.auto_close?.default).toBe(false)
    const labels = json.properties.labels?.properties ?? {}
    expect(labels.color_failed?.default).toBe('D93F0B')
    for (const property of [...Object.values(json.properties), ...Object.values(labels)]) {
      expect(property.description).toMatch(/\w/)
    }
  })
})

describe("github.enabled: Debussy's own sync, never the action's switch (SPEC §5)", () => {
  it('reads the config exactly as `debussy init` writes it (enabled: false) without a finding', () => {
    const result = parseConfig(DEBUSSY_INIT_CONFIG, SOURCE)
    expect(result).toEqual({ config: { ...DEFAULT_CONFIG, enabled: false }, findings: [] })
  })

  it.each([
    ['enabled: true', 'github:\n  enabled: true\n'],
    ['enabled: on (YAML 1.1)', 'github:\n  enabled: on\n'],
    [
      'debussy init with enabled flipped to true',
      DEBUSSY_INIT_CONFIG.replace('enabled: false\n  labels', 'enabled: true\n  labels')
    ]
  ])('warns that %s makes two writers, and still reads every other key', (_what, text) => {
    const result = parseConfig(text, SOURCE)
    expect(result.config).toEqual({ ...DEFAULT_CONFIG, enabled: true })
    expect(result.findings).toEqual([
      {
        level: 'warning',
        message: `${SOURCE}: github.enabled is true, so Debussy's own in-process sync also writes to these issues (two writers: labels and the milestone may flip between them). This action does the sync whatever the value; set github.enabled: false to leave it to the action and the watcher.`
      }
    ])
  })

  it.each([
    ['a word', 'github:\n  enabled: "yes please"\n', 'got "yes please", expected true or false'],
    ['a number', 'github:\n  enabled: 1\n', 'got 1, expected true or false']
  ])('validates enabled as a boolean: %s is refused', (_what, text, problem) => {
    const error = refusal(() => parseConfig(text, SOURCE))
    expect(error.field).toBe(`${SOURCE} github.enabled`)
    expect(error.problem).toBe(problem)
  })
})

describe('loadConfig', () => {
  let workspace: string

  beforeAll(() => {
    workspace = mkdtempSync(path.join(tmpdir(), 'config-'))
    mkdirSync(path.join(workspace, '.debussy'))
    writeFileSync(path.join(workspace, '.debussy', 'config.yaml'), 'github:\n  auto_close: true\n')
    writeFileSync(path.join(workspace, 'bad.yaml'), 'github:\n  labels:\n    color_failed: red\n')
  })
  afterAll(() => rmSync(workspace, { recursive: true, force: true }))

  it('reads the config file from the workspace', async () => {
    const { config: loaded } = await loadConfig(workspace, '.debussy/config.yaml', 'input config')
    expect(loaded).toEqual({ ...DEFAULT_CONFIG, autoClose: true })
  })

  it('uses the defaults, quietly, when the file does not exist', async () => {
    await expect(loadConfig(workspace, 'none/config.yaml', 'input config')).resolves.toEqual({
      config: DEFAULT_CONFIG,
      findings: []
    })
  })

  it('names the file by its path in the repository', async () => {
    const error = await loadConfig(workspace, 'bad.yaml', 'input config').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).field).toBe('bad.yaml github.labels.color_failed')
  })

  it('refuses a path outside the workspace, naming the input', async () => {
    const error = await loadConfig(workspace, '../config.yaml', 'input config').catch(
      (e: unknown) => e
    )
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).message).toContain('input config: ')
  })
})
