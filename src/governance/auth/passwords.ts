// Password hashing (argon2id, memory-hard) and the strength rule every new password must pass. Weak and
// well-known default passwords are refused (MLflow shipped admin/password1234: CVE-2026-2635).
import { hash, verify } from "@node-rs/argon2";
import { invalidParameter } from "../../core/errors.js";

export const MIN_PASSWORD_LENGTH = 12;

const KNOWN_WEAK = new Set([
  "password",
  "password1",
  "password12",
  "password123",
  "password1234",
  "password12345",
  "password123456",
  "123456789012",
  "admin",
  "adminadmin",
  "administrator",
  "changeme",
  "changemeplease",
  "letmein",
  "qwertyuiop",
  "qwertyuiopas",
  "flowgate",
  "mlflow",
]);

/** Throws INVALID_PARAMETER_VALUE naming the rule the password breaks. */
export function checkPasswordStrength(username: string, password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw invalidParameter(
      `Password too short: it must have at least ${MIN_PASSWORD_LENGTH} characters (got ${password.length}).`,
    );
  }
  if (password.length > 1024) {
    throw invalidParameter("Password too long: it must have at most 1024 characters.");
  }
  const lower = password.toLowerCase();
  if (KNOWN_WEAK.has(lower) || lower.includes(username.toLowerCase()) || new Set(password).size < 5) {
    throw invalidParameter(
      "Password too weak: it must not be a well-known default, contain the user name, or repeat a few characters.",
    );
  }
}

export async function hashPassword(password: string): Promise<string> {
  // @node-rs/argon2 defaults are argon2id, m=19 MiB, t=2, p=1 (OWASP's minimum recommendation).
  return hash(password);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}
