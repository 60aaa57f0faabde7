/**
 * The bad-input corpus (test-support/reliability-corpus.ts), table-driven: every
 * refused input fails the step with an `::error::` that names the field and
 * the fix, makes no request of any kind, and shows no stack trace; every
 * accepted one succeeds, with hostile plan text inert in what GitHub shows.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { marked } from 'marked'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startSimulator, type GitHubSimulator } from '../../test-support/github-simulator.js'
import {
  BASE_PAYLOAD,
  CORPUS,
  type Content,
  type CorpusCase
} from '../../test-support/reliability-corpus.js'
import {
  STACK_FRAME,
  TOKEN,
  Tally,
  describeReliability,
  errorMessages,
  runScanned,
  warningMessages
} from '../../test-support/reliability-harness.js'
import { endpointsOf, type InProcessResult } from '../../test-support/run-in-process.js'
import { PLAN_PATH, REPO, dispatch, seedSample } from '../../test-support/sample-repo.js'

const tally = new Tally('bad-input')
let sim: GitHubSimulator
let basePlan: string
const dirs: string[] = []

function render(content: Content): string | Buffer {
  if (typeof content === 'string') return content
  if ('bytes' in content) return Buffer.from(content.bytes)
  return `${content.prefix ?? ''}${content.repeat.repeat(content.times)}${content.suffix ?? ''}`
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  dirs.push(dir)
  return dir
}

/** The checkout, the event file and the environment for one case. */
function prepare(entry: CorpusCase): { workspace: string; eventPath: string } {
  const workspace = tempDir('reliability-ws-')
  const outside = tempDir('reliability-outside-')
  writeFileSync(path.join(outside, 'secret.md'), 'github_issues: ["#1"]\nSECRET\n')
  writeFileSync(path.join(outside, 'secret.yaml'), 'github:\n  enabled: true\n')
  writeFileSync(path.join(outside, 'MASTER_PLAN.md'), '# Outside\n\n**GitHub Issues:** #1\n')
  const files: Record<string, Content> = { [PLAN_PATH]: basePlan, ...entry.files }
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(workspace, relative)
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, render(content))
  }
  for (const [relative, target] of Object.entries(entry.symlinks ?? {})) {
    const link = path.join(workspace, relative)
    mkdirSync(path.dirname(link), { recursive: true })
    rmSync(link, { force: true })
    symlinkSync(target.replace(/^\$OUTSIDE/, outside), link)
  }
  const eventPath = path.join(tempDir('reliability-event-'), 'event.json')
  if (entry.eventFile !== undefined) {
    writeFileSync(eventPath, render(entry.eventFile))
  } else {
    const base: Record<string, unknown> = { ...BASE_PAYLOAD }
    for (const key of entry.omit ?? []) delete base[key]
    const body = entry.rawPayload !== undefined ? entry.rawPayload : { ...base, ...entry.payload }
    const eventName = entry.eventName ?? 'repository_dispatch'
    const event =
      eventName === 'workflow_dispatch'
        ? { inputs: body, ref: 'refs/heads/main' }
        : eventName === 'repository_dispatch'
          ? {
              ...dispatch(body as Record<string, unknown>, entry.eventType ?? 'debussy-event'),
              client_payload: body
            }
          : { ref: 'refs/heads/main' }
    writeFileSync(eventPath, JSON.stringify(event))
  }
  return { workspace, eventPath }
}

/** An `@` that would ping: not followed by the zero-width joiner, outside code spans. */
function liveMentions(text: string): string[] {
  const outsideCode = text.replace(/`[^`\n]*`/g, '')
  return [...outsideCode.matchAll(/@(?!\u200d)[A-Za-z0-9][\w/-]*/g)].map((m) => m[0])
}

/** Markup from the plan that would render: raw HTML tags, its links and images. */
/** Markup that GitHub would render from the text: judged on the rendered HTML, as a reader sees it. */
function liveMarkup(text: string): string[] {
  const withoutMarkers = text.replace(/<!-- debussy-issue-sync:[^>]*-->/g, '')
  const html = marked.parse(withoutMarkers, { gfm: true, async: false })
  const found: string[] = []
  // The summary links issues and the milestone itself; only the plan's own targets count.
  for (const pattern of [
    /<(img|script|b)\b/gi,
    /href="(javascript:|https:\/\/evil|phase-1\.md)/gi
  ]) {
    for (const match of html.matchAll(pattern)) found.push(match[0])
  }
  return found
}

function judgeRefused(entry: CorpusCase, result: InProcessResult): string[] {
  const problems: string[] = []
  if (entry.expect.refused !== true) return problems
  const errors = errorMessages(result.stdout)
  const message = errors.join('\n')
  if (!result.failed) problems.push('the step did not fail')
  if (errors.length === 0) problems.push('no ::error:: annotation')
  if (!entry.expect.field.test(message)) {
    problems.push(`the error does not name the field (${String(entry.expect.field)})`)
  }
  if (!entry.expect.fix.test(message))
    problems.push(`the error gives no fix (${String(entry.expect.fix)})`)
  if (STACK_FRAME.test(result.stdout)) problems.push('a stack trace is shown')
  if (sim.requests.length > 0) {
    problems.push(
      `${sim.requests.length} request(s) were made: ${sim.requests.map((r) => `${r.method} ${r.path}`).join(', ')}`
    )
  }
  return problems
}

function judgeAccepted(entry: CorpusCase, result: InProcessResult): string[] {
  const problems: string[] = []
  if (entry.expect.refused !== false) return problems
  if (result.failed) problems.push(`the step failed: ${errorMessages(result.stdout).join(' / ')}`)
  if (STACK_FRAME.test(result.stdout)) problems.push('a stack trace is shown')
  if (entry.expect.warning !== undefined) {
    const warnings = warningMessages(result.stdout).join('\n')
    if (!entry.expect.warning.test(warnings)) {
      problems.push(`no warning matching ${String(entry.expect.warning)}`)
    }
  }
  if (entry.expect.inert === true) {
    const comments = [1, 2, 3].flatMap((n) => sim.issue(REPO, n).comments)
    // What GitHub renders as markdown; the log is plain text.
    for (const [where, text] of [
      ['the completion comment', comments.join('\n')],
      ['the job summary', result.summary]
    ] as const) {
      const mentions = liveMentions(text)
      if (mentions.length > 0) problems.push(`${where} pings ${[...new Set(mentions)].join(', ')}`)
      // GitHub links GH-12 to an issue; bidirectional controls show text other than it is.
      const hidden = [...text.matchAll(/\bGH-\d+|[\u202a-\u202e\u2066-\u2069]/gi)].map((m) =>
        JSON.stringify(m[0])
      )
      if (hidden.length > 0) problems.push(`${where} carries ${[...new Set(hidden)].join(', ')}`)
      const markup = liveMarkup(text)
      if (markup.length > 0) {
        problems.push(
          `${where} renders ${[...new Set(markup)].join(', ')} from ${JSON.stringify(text.slice(0, 600))}`
        )
      }
    }
  }
  return problems
}

describeReliability('bad input corpus', () => {
  beforeAll(async () => {
    sim = await startSimulator({ token: TOKEN })
    basePlan = seedSample(sim).files[PLAN_PATH] ?? ''
  })
  afterAll(async () => {
    await sim.close()
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
    tally.save()
  })

  it('has at least 150 cases, with unique ids', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(150)
    expect(new Set(CORPUS.map((c) => c.id)).size).toBe(CORPUS.length)
  })

  it.each(CORPUS.map((entry, index) => [entry.id, entry.title, entry, index] as const))(
    '%s: %s',
    async (_id, _title, entry, index) => {
      if (entry.expect.refused === false) {
        // Accepted cases write: each gets a fresh copy of the sample repository.
        await sim.close()
        sim = await startSimulator({ token: TOKEN })
        seedSample(sim)
      }
      sim.resetLog()
      const { workspace, eventPath } = prepare(entry)
      const debug = index % 2 === 1
      const result = await runScanned(tally, {
        ...endpointsOf(sim),
        workspace,
        repository: REPO,
        eventName: entry.eventName ?? 'repository_dispatch',
        eventPayload: {},
        inputs: entry.inputs,
        env: { GITHUB_EVENT_PATH: eventPath, ...(debug ? { RUNNER_DEBUG: '1' } : {}) }
      })
      if (debug) tally.add('secrets.debugRuns')
      tally.add('input.tried')
      const problems = [
        ...(entry.expect.refused ? judgeRefused(entry, result) : judgeAccepted(entry, result)),
        ...result.leaks
      ]
      if (entry.expect.refused) {
        tally.add('input.requestsOnRefused', sim.requests.length)
        tally.add('input.writesOnRefused', sim.writes().length)
        tally.add(
          problems.length === 0
            ? 'input.refusedCleanly'
            : result.failed
              ? 'input.refusedBadly'
              : 'input.unexpected'
        )
      } else {
        tally.add(problems.length === 0 ? 'input.acceptedAsExpected' : 'input.unexpected')
      }
      if (problems.length > 0) {
        tally.note(
          `${entry.id}: ${problems.join('; ')} — ${errorMessages(result.stdout).join(' / ').slice(0, 200)}`
        )
      }
      const shown = errorMessages(result.stdout).join('\n')
      expect(problems.length === 0 ? [] : [...problems, `::error:: was: ${shown}`]).toEqual([])
    },
    30_000
  )
})
