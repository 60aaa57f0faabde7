/**
 * src/log-text.ts: text from GitHub or the plan never becomes a workflow
 * command, in a plain log line or inside an annotation that @actions/core writes.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import * as core from '@actions/core'
import { defuseLegacyCommand, plainLine } from '../src/log-text.js'

/** What `act` writes to stdout, and the exit code it sets. */
function capture(act: () => void): string {
  const chunks: string[] = []
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = (chunk: string | Uint8Array): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
    return true
  }
  try {
    act()
  } finally {
    process.stdout.write = write
  }
  return chunks.join('')
}

const exitCode = process.exitCode
afterEach(() => {
  process.exitCode = exitCode
})

// The runner reads `::name::` at a line's start (after spaces) and `##[name]` anywhere in a line.
function commandsIn(stdout: string): string[] {
  return stdout.split(/\r\n|\r|\n/).flatMap((line) => {
    const found = [...line.matchAll(/##\[([a-z-]+)/g)].map((m) => `##[${m[1]}`)
    const v2 = /^::([a-z-]+)/.exec(line.trimStart())
    return v2 ? [`::${v2[1]}`, ...found] : found
  })
}

describe('text from GitHub or the plan never becomes a workflow command', () => {
  it.each([
    'Q4\n::error::injected',
    'Q4\r::add-mask::secret',
    '  ::warning::leading',
    'middle ##[add-mask]secret',
    '::stop-commands::token'
  ])('plainLine(%j) is one line that the runner reads as text', (text) => {
    const line = plainLine(text)
    expect(line).not.toMatch(/[\r\n]/)
    expect(commandsIn(line)).toEqual([])
    expect(capture(() => core.info(line))).toBe(`${line}\n`)
  })

  it('keeps the text readable: only line breaks, a leading "::" and "##[" change', () => {
    expect(plainLine('progress 2/4 (50%), label "a::b"')).toBe('progress 2/4 (50%), label "a::b"')
  })

  it.each([
    ['warning', core.warning],
    ['notice', core.notice],
    ['error', core.setFailed]
  ] as const)(
    'a %s annotation cannot carry the older ##[command] form once defused (@actions/core lets it through)',
    (name, annotate) => {
      const hostile = 'title ##[add-mask]secret\n::error::x'
      expect(commandsIn(capture(() => annotate(hostile)))).toContain('##[add-mask')
      expect(commandsIn(capture(() => annotate(defuseLegacyCommand(hostile))))).toEqual([
        `::${name}`
      ])
    }
  )
})
