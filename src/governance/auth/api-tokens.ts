// API token format: `fgt_<token id>_<secret>`. The id is public (listed, revoked by id); only the sha256 of the
// whole token is stored, so a database leak does not leak usable tokens. 32 random bytes need no slow KDF.
import { createHash, randomBytes } from "node:crypto";

export interface IssuedToken {
  tokenId: string;
  /** The full token: shown to its owner once, never stored. */
  token: string;
  tokenHash: string;
}

export function issueToken(): IssuedToken {
  const tokenId = randomBytes(6).toString("hex");
  const token = `fgt_${tokenId}_${randomBytes(32).toString("base64url")}`;
  return { tokenId, token, tokenHash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
