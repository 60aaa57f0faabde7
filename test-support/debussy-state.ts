/**
 * Writes `.debussy/state.db` exactly as upstream Debussy's StateManager
 * (core/state.py) does: Python's stdlib sqlite3, one connection and one
 * transaction per operation, `PRAGMA synchronous=FULL`, the default rollback
 * journal, the same schema and the same SQL. The sender's tests play a run
 * with it while the watcher reads the file.
 */
import { execFileSync } from 'node:child_process'

/** core/state.py's SCHEMA (the tables the sender reads, and the rest as Debussy creates them). */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    master_plan_path TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP,
    status TEXT NOT NULL,
    current_phase TEXT
);
CREATE TABLE IF NOT EXISTS phase_executions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL REFERENCES runs(id),
    phase_id TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL,
    started_at TIMESTAMP,
    completed_at TIMESTAMP,
    claude_pid INTEGER,
    log_path TEXT,
    error_message TEXT,
    UNIQUE(run_id, phase_id, attempt)
);
CREATE TABLE IF NOT EXISTS gate_results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    phase_execution_id INTEGER NOT NULL REFERENCES phase_executions(id),
    gate_name TEXT NOT NULL,
    command TEXT NOT NULL,
    passed BOOLEAN NOT NULL,
    output TEXT,
    executed_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS progress_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL REFERENCES runs(id),
    phase_id TEXT NOT NULL,
    step TEXT NOT NULL,
    logged_at TIMESTAMP NOT NULL
);
`

/** StateManager's methods, in Python, keyed by name; `a` is the JSON argument list. */
const PROGRAM = `
import json, sqlite3, sys, uuid
from datetime import datetime
db, op, a = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
conn = sqlite3.connect(db)
conn.execute("PRAGMA synchronous=FULL")
try:
    now = datetime.now().isoformat()
    if op == "init":
        conn.executescript(a[0])
    elif op == "create_run":
        run_id = str(uuid.uuid4())[:8]
        conn.execute("INSERT INTO runs (id, master_plan_path, started_at, status) VALUES (?, ?, ?, ?)", (run_id, a[0], now, "running"))
        print(run_id)
    elif op == "update_run_status":
        if a[1] in ("completed", "failed"):
            conn.execute("UPDATE runs SET status = ?, completed_at = ? WHERE id = ?", (a[1], now, a[0]))
        else:
            conn.execute("UPDATE runs SET status = ? WHERE id = ?", (a[1], a[0]))
    elif op == "set_current_phase":
        conn.execute("UPDATE runs SET current_phase = ? WHERE id = ?", (a[1], a[0]))
    elif op == "create_phase_execution":
        conn.execute("INSERT INTO phase_executions (run_id, phase_id, attempt, status, started_at) VALUES (?, ?, ?, ?, ?)", (a[0], a[1], a[2], "running", now))
    elif op == "update_phase_status":
        run_id, phase_id, status, error = a
        if status in ("completed", "failed", "blocked"):
            conn.execute("""UPDATE phase_executions SET status = ?, completed_at = ?, error_message = ?
                WHERE run_id = ? AND phase_id = ? AND id = (SELECT MAX(id) FROM phase_executions WHERE run_id = ? AND phase_id = ?)""",
                (status, now, error, run_id, phase_id, run_id, phase_id))
        else:
            conn.execute("""UPDATE phase_executions SET status = ?, error_message = ?
                WHERE run_id = ? AND phase_id = ? AND id = (SELECT MAX(id) FROM phase_executions WHERE run_id = ? AND phase_id = ?)""",
                (status, error, run_id, phase_id, run_id, phase_id))
    elif op == "log_progress":
        conn.execute("INSERT INTO progress_log (run_id, phase_id, step, logged_at) VALUES (?, ?, ?, ?)", (a[0], a[1], a[2], now))
    else:
        raise SystemExit("unknown op " + op)
    conn.commit()
finally:
    conn.close()
`

export type PhaseStatus =
  'pending' | 'running' | 'validating' | 'awaiting_human' | 'completed' | 'failed' | 'blocked'

/** A Debussy StateManager over `db`, one python3 process per operation. */
export class DebussyState {
  constructor(readonly db: string) {
    this.call('init', [SCHEMA])
  }

  private call(op: string, args: readonly unknown[]): string {
    return execFileSync('python3', ['-c', PROGRAM, this.db, op, JSON.stringify(args)], {
      encoding: 'utf8',
      timeout: 10_000
    }).trim()
  }

  createRun(masterPlanPath: string): string {
    return this.call('create_run', [masterPlanPath])
  }

  updateRunStatus(runId: string, status: 'running' | 'completed' | 'failed' | 'paused'): void {
    this.call('update_run_status', [runId, status])
  }

  setCurrentPhase(runId: string, phaseId: string | null): void {
    this.call('set_current_phase', [runId, phaseId])
  }

  /** What PhaseRunner does for each attempt: the row, then its status set to running. */
  startAttempt(runId: string, phaseId: string, attempt: number): void {
    this.call('create_phase_execution', [runId, phaseId, attempt])
    this.updatePhaseStatus(runId, phaseId, 'running')
  }

  updatePhaseStatus(
    runId: string,
    phaseId: string,
    status: PhaseStatus,
    error: string | null = null
  ): void {
    this.call('update_phase_status', [runId, phaseId, status, error])
  }

  logProgress(runId: string, phaseId: string, step: string): void {
    this.call('log_progress', [runId, phaseId, step])
  }
}

/** Whether python3 is there to play Debussy (it is on these machines and in CI). */
export function hasPython(): boolean {
  try {
    execFileSync('python3', ['-c', 'import sqlite3'], { stdio: 'ignore', timeout: 10_000 })
    return true
  } catch {
    return false
  }
}
