// Webhook secrets at rest: sealed with AES-256-GCM under a server key, so a database dump or backup does not hand
// out the keys that sign deliveries (MLflow encrypts them too, with MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY).
// The key is FLOWGATE_SECRET_KEY when set (replicas sharing one database must share it), else a random key kept
// in a 0600 file created on first start. Values stored before encryption existed are read as they are.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { FlowgateError, invalidParameter } from "../core/errors.js";
import type { Webhook } from "./webhook-store.js";

const PREFIX = "fgenc:v1:";

export interface SecretBox {
  seal(plain: string): string;
  /** The plain secret; throws when `stored` was sealed under another key. */
  open(stored: string): string;
}

export function createSecretBox(keyMaterial: string): SecretBox {
  const key = Buffer.from(hkdfSync("sha256", keyMaterial, "flowgate", "webhook-secrets", 32));
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return `${PREFIX}${[iv, body, cipher.getAuthTag()].map((b) => b.toString("base64url")).join(":")}`;
    },
    open(stored) {
      if (!stored.startsWith(PREFIX)) return stored;
      const [iv, body, tag] = stored
        .slice(PREFIX.length)
        .split(":")
        .map((p) => Buffer.from(p, "base64url"));
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, iv as Buffer);
        decipher.setAuthTag(tag as Buffer);
        return Buffer.concat([decipher.update(body as Buffer), decipher.final()]).toString("utf8");
      } catch {
        throw new FlowgateError(
          "INTERNAL_ERROR",
          "A webhook secret cannot be decrypted: this server's key (FLOWGATE_SECRET_KEY or its key file) is not the " +
            "one it was stored with. Restore that key, or set a new secret on the webhook.",
        );
      }
    },
  };
}

/** The key from FLOWGATE_SECRET_KEY, else from `keyFile`, which is created with a random key when missing. */
export async function loadSecretKey(env: NodeJS.ProcessEnv, keyFile: string): Promise<string> {
  const fromEnv = env.FLOWGATE_SECRET_KEY;
  if (fromEnv !== undefined && fromEnv !== "") {
    if (fromEnv.length < 32) throw invalidParameter("FLOWGATE_SECRET_KEY must have at least 32 characters.");
    return fromEnv;
  }
  await mkdir(path.dirname(keyFile), { recursive: true, mode: 0o700 });
  try {
    // "wx": two servers starting at once must not each write their own key.
    await writeFile(keyFile, randomBytes(32).toString("base64"), { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  // Another server may have created the file a moment ago and still be writing it.
  for (let i = 0; i < 50; i++) {
    const key = (await readFile(keyFile, "utf8")).trim();
    if (key !== "") return key;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw invalidParameter(`The webhook secret key file '${keyFile}' is empty.`);
}

/** The secrets that sign a delivery now: the current one, then the previous one while its rotation window lasts. */
export function liveSecrets(w: Webhook, now: number, box: SecretBox): string[] {
  const secrets: string[] = [];
  if (w.secret !== undefined) secrets.push(box.open(w.secret));
  if (w.previousSecret !== undefined && (w.previousSecretExpiresAt ?? 0) > now)
    secrets.push(box.open(w.previousSecret));
  return secrets;
}
