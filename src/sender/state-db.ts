/**
 * Reads Debussy's `.debussy/state.db` (tables `runs` and `phase_executions`,
 * as upstream `core/state.py` writes them) into plain rows, while Debussy may
 * be writing it.
 *
 * The reader is sql.js, SQLite compiled to WASM: nothing to compile on
 * install, the same code on Node 20, 22 and 24 (docs/GITHUB_SYNC.md, "The
 * SQLite reader"). It reads a copy of the file, so the copy must not be torn:
 * Debussy uses SQLite's default rollback journal, one connection and one
 * transaction per write. While a write is under way a `-journal` file exists;
 * every commit bumps the header's file change counter (bytes 24..27). A copy
 * is trusted only when no journal existed before or after it was taken and
 * the counter and size read before and after the copy agree with the copy;
 * otherwise it is taken again, a bounded number of times.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type initSqlJs from 'sql.js'
import type { Database, SqlJsStatic, SqlValue } from 'sql.js'
import { z } from 'zod'
import { sleep, type Attempts } from './sleep.js'

/** A row of `runs`. */
export type RunRow = z.output<typeof runRow>

/** A row of `phase_executions`. */
export type PhaseRow = z.output<typeof phaseRow>

export interface StateRows {
  /** In insertion order. */
  readonly runs: readonly RunRow[]
  /** By id (insertion order). */
  readonly phases: readonly PhaseRow[]
}

/** How hard to try for a consistent copy; tests shrink the pause. */
export interface ReadTiming extends Attempts {
  readonly pauseMs: number
}

export const DEFAULT_READ_TIMING: ReadTiming = {
  attempts: 50,
  pauseMs: 20,
  sleep
}

/** `master_plan_path` → `masterPlanPath`. */
type Camel<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<Camel<Tail>>}`
  : S

/** Debussy's columns as this module's fields: each column is declared once, in its schema. */
function camelFields<T extends Record<string, unknown>>(
  row: T
): { readonly [K in keyof T & string as Camel<K>]: T[K] } {
  return Object.fromEntries(
    Object.entries(row).map(([column, value]) => [
      column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase()),
      value
    ])
  ) as { readonly [K in keyof T & string as Camel<K>]: T[K] }
}

const runRow = z
  .object({
    id: z.string(),
    /** Absolute, as Debussy stores it. */
    master_plan_path: z.string(),
    started_at: z.string(),
    status: z.string(),
    current_phase: z.string().nullable()
  })
  .transform(camelFields)

const phaseRow = z
  .object({
    id: z.number().int(),
    run_id: z.string(),
    // Debussy writes phase ids as text; a hand-made database may hold numbers.
    phase_id: z.union([z.string(), z.number()]).transform(String),
    attempt: z.number().int(),
    status: z.string(),
    error_message: z.string().nullable()
  })
  .transform(camelFields)

let sqlJs: Promise<SqlJsStatic> | undefined

/**
 * sql.js's loader and its WASM: beside the bundle (scripts/bundle.mjs copies
 * them to dist/cli/sql.js/, the loader as .cjs), else from node_modules when
 * running from source. The loader is CommonJS that webpack would mangle, so
 * it is loaded by Node's own require, never bundled.
 */
function sqlJsFiles(): { loader: string; wasm: string } {
  const bundled = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sql.js')
  if (existsSync(path.join(bundled, 'sql-wasm.cjs'))) {
    return {
      loader: path.join(bundled, 'sql-wasm.cjs'),
      wasm: path.join(bundled, 'sql-wasm.wasm')
    }
  }
  const require = createRequire(import.meta.url)
  return {
    loader: require.resolve('sql.js/dist/sql-wasm.js'),
    wasm: require.resolve('sql.js/dist/sql-wasm.wasm')
  }
}

function loadSqlJs(): Promise<SqlJsStatic> {
  sqlJs ??= (() => {
    const files = sqlJsFiles()
    const init = createRequire(import.meta.url)(files.loader) as typeof initSqlJs
    return init({ wasmBinary: readFileSync(files.wasm) })
  })()
  return sqlJs
}

/** Thrown when no consistent copy could be read: the caller tries again later. */
export class StateBusyError extends Error {}

interface Header {
  readonly size: number
  readonly counter: number
}

async function readHeader(file: string): Promise<Header | undefined> {
  let handle
  try {
    handle = await open(file, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  try {
    const { size } = await handle.stat()
    const bytes = Buffer.alloc(4)
    const { bytesRead } = await handle.read(bytes, 0, 4, 24)
    return { size, counter: bytesRead === 4 ? bytes.readUInt32BE(0) : -1 }
  } finally {
    await handle.close()
  }
}

/** A hot journal means a transaction is under way (or was cut short): the main file is not to be trusted. */
function journalPresent(file: string): boolean {
  try {
    return statSync(`${file}-journal`).size > 0
  } catch {
    return false
  }
}

/**
 * A consistent copy of the database file, or undefined when there is no
 * file yet. Throws StateBusyError when every attempt met a write.
 */
export async function copyConsistent(
  file: string,
  timing: ReadTiming = DEFAULT_READ_TIMING
): Promise<Buffer | undefined> {
  for (let attempt = 1; attempt <= timing.attempts; attempt++) {
    if (attempt > 1) await timing.sleep(timing.pauseMs)
    if (journalPresent(file)) continue
    const before = await readHeader(file)
    if (before === undefined) return undefined
    // An empty file: Debussy's first connection has not written the schema yet.
    if (before.size < 100) continue
    let copy: Buffer
    try {
      copy = readFileSync(file)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    const after = await readHeader(file)
    if (
      after === undefined ||
      journalPresent(file) ||
      after.size !== before.size ||
      after.counter !== before.counter ||
      copy.length !== before.size ||
      copy.readUInt32BE(24) !== before.counter
    ) {
      continue
    }
    return copy
  }
  throw new StateBusyError(
    `${file} kept changing while it was read (${timing.attempts} tries); will read it again`
  )
}

function rowsOf(db: Database, sql: string): Record<string, SqlValue>[] {
  const [result] = db.exec(sql)
  if (result === undefined) return []
  return result.values.map((values) =>
    Object.fromEntries(result.columns.map((column, i) => [column, values[i] ?? null]))
  )
}

function tableExists(db: Database, name: string): boolean {
  return (
    rowsOf(db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name = '${name}'`).length >
    0
  )
}

/** Parses the rows of a consistent copy. Throws StateBusyError for a copy SQLite calls malformed. */
export async function parseState(copy: Uint8Array, file: string): Promise<StateRows> {
  const SQL = await loadSqlJs()
  let db: Database
  try {
    db = new SQL.Database(copy)
  } catch (error) {
    throw new StateBusyError(`${file}: ${String(error)}`)
  }
  try {
    // Debussy creates both tables in its first transaction; before that there is nothing to read.
    if (!tableExists(db, 'runs') || !tableExists(db, 'phase_executions')) {
      return { runs: [], phases: [] }
    }
    const runs = rowsOf(
      db,
      'SELECT id, master_plan_path, started_at, status, current_phase FROM runs ORDER BY rowid'
    ).map((row) => runRow.parse(row))
    const phases = rowsOf(
      db,
      'SELECT id, run_id, phase_id, attempt, status, error_message FROM phase_executions ORDER BY id'
    ).map((row) => phaseRow.parse(row))
    return { runs, phases }
  } catch (error) {
    if (error instanceof z.ZodError) {
      throw new Error(
        `${file} does not hold Debussy's runs and phase_executions as expected: ${error.issues
          .map((i) => `${i.path.join('.')}: ${i.message}`)
          .join('; ')}`,
        { cause: error }
      )
    }
    if (/malformed|not a database|disk image/i.test(String(error))) {
      throw new StateBusyError(`${file}: ${String(error)}`)
    }
    throw error
  } finally {
    db.close()
  }
}

/**
 * Debussy's rows, or undefined when the database does not exist yet.
 * Throws StateBusyError when Debussy kept writing through every attempt.
 */
export async function readState(
  file: string,
  timing: ReadTiming = DEFAULT_READ_TIMING
): Promise<StateRows | undefined> {
  for (let attempt = 1; ; attempt++) {
    const copy = await copyConsistent(file, timing)
    if (copy === undefined) return undefined
    try {
      return await parseState(copy, file)
    } catch (error) {
      if (!(error instanceof StateBusyError) || attempt >= 3) throw error
    }
  }
}
