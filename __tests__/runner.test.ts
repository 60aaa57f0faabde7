/**
 * src/runner.ts speaks to the Actions runner instead of @actions/core: for
 * every call the action makes, it must write byte for byte what @actions/core
 * writes (the runner parses both the same way), delimiters aside.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import * as core from '@actions/core'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import * as runner from '../src/runner.js'
import { parseOutputFile } from '../test-support/run-action.js'

type Module = typeof runner

let dir: string
let savedEnv: NodeJS.ProcessEnv

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'runner-test-'))
  savedEnv = { ...process.env }
})

afterEach(() => {
  process.env = savedEnv
  rmSync(dir, { recursive: true, force: true })
})

/** What `act` writes to stdout and to a fresh GITHUB_OUTPUT file, and the exit code it sets. */
function capture(act: () => void, withOutputFile = true) {
  const outputFile = path.join(dir, `output-${Math.random().toString(36).slice(2)}`)
  if (withOutputFile) {
    writeFileSync(outputFile, '')
    process.env.GITHUB_OUTPUT = outputFile
  } else {
    delete process.env.GITHUB_OUTPUT
  }
  const chunks: string[] = []
  const write = process.stdout.write.bind(process.stdout)
  const exitCode = process.exitCode
  process.stdout.write = (chunk: string | Uint8Array): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
    return true
  }
  let code: typeof process.exitCode
  try {
    process.exitCode = 0
    act()
    code = process.exitCode
  } finally {
    process.stdout.write = write
    process.exitCode = exitCode
  }
  const file = withOutputFile ? readFileSync(outputFile, 'utf8') : ''
  return {
    stdout: chunks.join(''),
    // Each side draws its own random delimiter; compare the files with it replaced.
    file: file.replace(/ghadelimiter_[0-9a-f-]{36}/g, 'DELIMITER'),
    code
  }
}

const awkward = [
  'plain',
  '',
  'two\nlines',
  'windows\r\nline',
  '100% done, 50%0A encoded',
  '::warning::injected',
  'name=value: a, b',
  'emoji 🎼 and “quotes”',
  '  padded  '
]

describe('runner.ts writes what @actions/core writes', () => {
  const pairs: [string, (m: Module | typeof core, text: string) => void][] = [
    ['info', (m, t) => m.info(t)],
    ['warning', (m, t) => m.warning(t)],
    ['notice', (m, t) => m.notice(t)],
    ['setSecret', (m, t) => m.setSecret(t)],
    ['setFailed', (m, t) => m.setFailed(t)],
    ['setOutput', (m, t) => m.setOutput('out', t)]
  ]
  for (const [name, call] of pairs) {
    it.each(awkward)(`${name}(%j)`, (text) => {
      const ours = capture(() => call(runner, text))
      const theirs = capture(() => call(core, text))
      expect(ours).toEqual(theirs)
    })
  }

  it.each(awkward)('setOutput(%j) without GITHUB_OUTPUT (an old runner)', (text) => {
    const ours = capture(() => runner.setOutput('out', text), false)
    const theirs = capture(() => core.setOutput('out', text), false)
    expect(ours).toEqual(theirs)
  })

  it('setFailed fails the step (exit code 1) and the others do not', () => {
    expect(capture(() => runner.setFailed('x')).code).toBe(1)
    expect(capture(() => runner.warning('x')).code).toBe(0)
    expect(capture(() => runner.setOutput('a', 'x')).code).toBe(0)
  })

  it('an output value reads back whole, however many lines it has', () => {
    const value = 'line one\nline two\n\nline four'
    const { file } = capture(() => runner.setOutput('operations', value))
    expect(parseOutputFile(file.replace(/DELIMITER/g, 'EOF_MARK'))).toEqual({ operations: value })
  })

  it.each([
    ['github-token', 'INPUT_GITHUB-TOKEN', '  ghs_abc  '],
    ['dry-run', 'INPUT_DRY-RUN', 'true'],
    ['auto close', 'INPUT_AUTO_CLOSE', ' false\n'],
    ['plan', 'INPUT_PLAN', '']
  ])('getInput(%j) reads %s as @actions/core does', (name, variable, value) => {
    process.env[variable] = value
    expect(runner.getInput(name)).toBe(core.getInput(name))
    expect(runner.getInput(name)).toBe(value.trim())
  })

  it('getInput of an input the runner did not set is empty', () => {
    delete process.env.INPUT_NOPE
    expect(runner.getInput('nope')).toBe('')
    expect(core.getInput('nope')).toBe('')
  })
})

describe('text from GitHub or the plan never becomes a workflow command', () => {
  // The runner reads `::name::` at a line's start (after spaces) and `##[name]` anywhere in a line.
  function commandsIn(stdout: string): string[] {
    return stdout.split(/\r\n|\r|\n/).flatMap((line) => {
      const found = [...line.matchAll(/##\[([a-z-]+)/g)].map((m) => `##[${m[1]}`)
      const v2 = /^::([a-z-]+)/.exec(line.trimStart())
      return v2 ? [`::${v2[1]}`, ...found] : found
    })
  }

  it.each([
    'Q4\n::error::injected',
    'Q4\r::add-mask::secret',
    '  ::warning::leading',
    'middle ##[add-mask]secret',
    '::stop-commands::token'
  ])('plainLine(%j) is one line that the runner reads as text', (text) => {
    const line = runner.plainLine(text)
    expect(line).not.toMatch(/[\r\n]/)
    expect(commandsIn(line)).toEqual([])
    expect(capture(() => runner.info(line)).stdout).toBe(`${line}\n`)
  })

  it('keeps the text readable: only line breaks, a leading "::" and "##[" change', () => {
    expect(runner.plainLine('progress 2/4 (50%), label "a::b"')).toBe(
      'progress 2/4 (50%), label "a::b"'
    )
  })

  it.each(['warning', 'notice', 'setFailed'] as const)(
    '%s data cannot carry the older ##[command] form (@actions/core lets it through)',
    (name) => {
      const { stdout } = capture(() => runner[name]('title ##[add-mask]secret'))
      expect(commandsIn(stdout)).toEqual([`::${name === 'setFailed' ? 'error' : name}`])
    }
  )
})
