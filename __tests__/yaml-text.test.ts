/**
 * The YAML version is decided in one place: the config as YAML 1.1 (Debussy
 * writes and reads it with PyYAML), plan frontmatter as YAML 1.2 (gray-matter
 * with the yaml package). Both parses are guarded the same way.
 */
import { describe, expect, it } from '@jest/globals'
import { parseYamlText, type YamlProblem, type YamlSource } from '../src/yaml-text.js'

class Refused extends Error {
  constructor(readonly problem: YamlProblem) {
    super(problem.kind)
  }
}

const read = (text: string, source: YamlSource): unknown =>
  parseYamlText(text, source, (problem) => new Refused(problem)).value

function problemOf(text: string, source: YamlSource): YamlProblem {
  try {
    read(text, source)
  } catch (error) {
    if (error instanceof Refused) return error.problem
    throw error
  }
  throw new Error('the text was read')
}

describe('parseYamlText', () => {
  it.each([
    ['yes', true],
    ['off', false],
    ['On', true]
  ])('reads %s as a boolean in the config (YAML 1.1, as PyYAML)', (word, value) => {
    expect(read(`enabled: ${word}\n`, 'config')).toEqual({ enabled: value })
  })

  it.each(['yes', 'off', 'On'])('keeps %s as text in a plan (YAML 1.2)', (word) => {
    expect(read(`github_milestone: ${word}\n`, 'planFile')).toEqual({ github_milestone: word })
  })

  const bomb = [
    'a: &a [x, x, x, x, x, x, x, x, x, x]',
    'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
    'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
    'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]'
  ].join('\n')

  it.each<YamlSource>(['config', 'planFile'])('refuses an alias bomb in the %s', (source) => {
    expect(problemOf(bomb, source)).toEqual({ kind: 'aliases' })
  })

  it.each<YamlSource>(['config', 'planFile'])(
    'refuses a repeated key in the %s, with its line',
    (source) => {
      expect(problemOf('a: 1\nb: 2\na: 3\n', source)).toMatchObject({
        kind: 'syntax',
        code: 'DUPLICATE_KEY',
        line: 3
      })
    }
  )
})
