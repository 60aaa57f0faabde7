import { promises as fs } from 'node:fs'
import path from 'node:path'
import { InputError, printable } from './errors.js'

/** Larger files are refused unread: plans and configs are a few kilobytes. */
export const MAX_FILE_BYTES = 1024 * 1024

/**
 * Reads a text file named relative to the workspace, refusing any path that
 * leaves the workspace once symlinks are resolved (a plan path comes from a
 * dispatch payload, which anyone with write access can send).
 *
 * @returns the file's text, or `undefined` when it does not exist.
 */
export async function readWorkspaceFile(
  workspace: string,
  relativePath: string,
  field: string
): Promise<string | undefined> {
  if (relativePath.trim() === '' || relativePath.includes('\0')) {
    throw new InputError(
      field,
      `"${printable(relativePath)}" is not a file path`,
      'Give a path relative to the repository root, such as docs/plans/MASTER_PLAN.md'
    )
  }
  if (path.isAbsolute(relativePath)) {
    throw new InputError(
      field,
      `"${printable(relativePath)}" is an absolute path`,
      'Give a path relative to the repository root, such as docs/plans/MASTER_PLAN.md'
    )
  }
  const root = await fs.realpath(workspace)
  const candidate = path.resolve(root, relativePath)
  if (!isInside(root, candidate)) {
    throw new InputError(
      field,
      `"${printable(relativePath)}" points outside the repository checkout`,
      'Give a path inside the repository, without ".." segments that leave it'
    )
  }
  let real: string
  try {
    real = await fs.realpath(candidate)
  } catch (error) {
    if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return undefined
    const unreadable = ['ELOOP', 'EACCES', 'ENAMETOOLONG'].find((code) => isErrno(error, code))
    if (unreadable !== undefined) {
      throw new InputError(
        field,
        `"${printable(relativePath)}" cannot be read (${unreadable}: ${unreadable === 'ELOOP' ? 'a loop of symbolic links' : unreadable === 'EACCES' ? 'permission denied' : 'the name is too long'})`,
        'Point it at a regular file inside the repository'
      )
    }
    throw error
  }
  if (!isInside(root, real)) {
    throw new InputError(
      field,
      `"${printable(relativePath)}" is a symbolic link that leads outside the repository checkout`,
      'Point it at a file inside the repository'
    )
  }
  const stat = await fs.stat(real)
  if (!stat.isFile()) {
    throw new InputError(
      field,
      `"${printable(relativePath)}" is not a regular file`,
      'Point it at a markdown or YAML file'
    )
  }
  if (stat.size > MAX_FILE_BYTES) {
    throw new InputError(
      field,
      `"${printable(relativePath)}" is ${stat.size} bytes, more than the ${MAX_FILE_BYTES} bytes allowed`,
      'Point it at the plan or config file itself'
    )
  }
  const bytes = await fs.readFile(real)
  if (bytes.includes(0)) {
    throw new InputError(
      field,
      `"${printable(relativePath)}" is a binary file`,
      'Point it at a UTF-8 text file'
    )
  }
  return bytes.toString('utf8').replace(/^\uFEFF/, '')
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate)
  // `..notes/plan.md` is a name inside; only a `..` segment leaves.
  const leaves = relative === '..' || relative.startsWith(`..${path.sep}`)
  return relative !== '' && !leaves && !path.isAbsolute(relative)
}

/** Node's fs errors say what went wrong in `code`. */
function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === code
}
