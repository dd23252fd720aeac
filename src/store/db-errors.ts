// The only code that knows SQLite's and PostgreSQL's driver error shapes.

interface DriverError {
  code?: unknown;
}

/** A unique or primary-key constraint refused the write (a concurrent create won the race). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as DriverError | null)?.code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/** A foreign-key constraint refused the write (the parent row is gone). */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as DriverError | null)?.code;
  return code === "23503" || code === "SQLITE_CONSTRAINT_FOREIGNKEY";
}

/** The engine gave up on a transaction that another one conflicted with; retrying it is safe. */
export function isRetryableConflict(err: unknown): boolean {
  const code = (err as DriverError | null)?.code;
  return code === "40001" || code === "40P01" || code === "SQLITE_BUSY";
}
