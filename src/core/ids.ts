// Identifier formats the MLflow client expects: run ids are 32 hex characters, logged model ids `m-<32 hex>`.
import { randomBytes, randomInt, randomUUID } from "node:crypto";

export function newRunId(): string {
  return randomUUID().replaceAll("-", "");
}

export function newLoggedModelId(): string {
  return `m-${randomUUID().replaceAll("-", "")}`;
}

export function newRequestId(): string {
  return randomBytes(8).toString("hex");
}

const ADJECTIVES = ["bold", "calm", "clever", "eager", "gentle", "brave", "bright", "quiet", "rare", "swift"];
const NOUNS = ["otter", "finch", "lynx", "heron", "bison", "crane", "panda", "koala", "mole", "wren"];

/** A readable default run name, like MLflow's `adjective-noun-NNN`. */
export function newRunName(): string {
  const pick = (words: readonly string[]): string => words[randomInt(words.length)] ?? "run";
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${randomInt(1000)}`;
}
