import { describe, expect, it, beforeAll, afterAll } from '@jest/globals'
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { InputError, printable } from '../src/errors.js'
import { MAX_FILE_BYTES, readWorkspaceFile } from '../src/workspace-file.js'

let base: string
let workspace: string

beforeAll(() => {
  base = mkdtempSync(path.join(tmpdir(), 'ws-file-'))
  workspace = path.join(base, 'repo')
  mkdirSync(path.join(workspace, 'docs'), { recursive: true })
  writeFileSync(path.join(workspace, 'docs', 'plan.md'), '\uFEFF# Plan\n')
  writeFileSync(path.join(base, 'secret.txt'), 'outside')
  symlinkSync(path.join(base, 'secret.txt'), path.join(workspace, 'docs', 'escape.md'))
  symlinkSync(path.join(workspace, 'docs', 'plan.md'), path.join(workspace, 'inside-link.md'))
  writeFileSync(path.join(workspace, 'binary.md'), Buffer.from([0x23, 0x00, 0x41]))
  symlinkSync(path.join(workspace, 'loop.md'), path.join(workspace, 'loop.md'))
  writeFileSync(path.join(workspace, 'huge.md'), Buffer.alloc(MAX_FILE_BYTES + 1, 0x61))
})
afterAll(() => rmSync(base, { recursive: true, force: true }))

describe('readWorkspaceFile', () => {
  it('reads a file inside the workspace, without its byte-order mark', async () => {
    await expect(readWorkspaceFile(workspace, 'docs/plan.md', 'plan')).resolves.toBe('# Plan\n')
  })

  it('follows a symlink that stays inside the workspace', async () => {
    await expect(readWorkspaceFile(workspace, 'inside-link.md', 'plan')).resolves.toBe('# Plan\n')
  })

  it('returns undefined for a missing file', async () => {
    await expect(readWorkspaceFile(workspace, 'docs/none.md', 'plan')).resolves.toBeUndefined()
  })

  it.each([
    ['../secret.txt', 'outside the repository'],
    ['docs/../../secret.txt', 'outside the repository'],
    ['docs/escape.md', 'symbolic link that leads outside'],
    ['/etc/passwd', 'absolute path'],
    ['', 'not a file path'],
    ['docs/plan.md\0.png', 'not a file path'],
    ['docs', 'not a regular file'],
    ['.', 'outside the repository'],
    ['binary.md', 'binary file'],
    ['huge.md', 'more than the'],
    ['loop.md', 'a loop of symbolic links']
  ])('refuses %j without reading it', async (relative, problem) => {
    const error = await readWorkspaceFile(workspace, relative, 'client_payload.plan').catch(
      (e: unknown) => e
    )
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).message).toContain('client_payload.plan: ')
    expect((error as InputError).message).toContain(problem)
  })
})

describe('printable', () => {
  it('escapes control characters and shortens long values', () => {
    expect(printable('a\u0007b\nc')).toBe('a\\u0007b\\u000ac')
    expect(printable('x'.repeat(200), 10)).toBe(`${'x'.repeat(10)}…`)
  })
})
