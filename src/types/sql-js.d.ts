/** The few parts of sql.js (pure WASM SQLite) the sender uses. */
declare module 'sql.js' {
  export type SqlValue = number | string | Uint8Array | null
  export interface QueryExecResult {
    readonly columns: string[]
    readonly values: SqlValue[][]
  }
  export interface Database {
    exec(sql: string): QueryExecResult[]
    run(sql: string, params?: SqlValue[]): Database
    export(): Uint8Array
    close(): void
  }
  export interface SqlJsStatic {
    readonly Database: new (data?: ArrayLike<number> | Buffer | null) => Database
  }
  export interface InitOptions {
    readonly wasmBinary?: ArrayBuffer | Uint8Array
    locateFile?(file: string): string
  }
  export default function initSqlJs(options?: InitOptions): Promise<SqlJsStatic>
}
