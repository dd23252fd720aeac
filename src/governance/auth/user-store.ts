// Entities and the store interface for users, service accounts, role grants and API tokens.
import type { Executor } from "../../store/database.js";
import type { Grant, ScopeType } from "../rbac.js";

export interface User {
  username: string;
  kind: "user" | "service";
  passwordHash: string | undefined;
  disabled: boolean;
  createdAt: number;
  createdBy: string;
}

export interface StoredGrant extends Grant {
  id: number;
  username: string;
  createdAt: number;
  createdBy: string;
}

export interface ApiToken {
  tokenId: string;
  username: string;
  name: string;
  createdAt: number;
  expiresAt: number | undefined;
  revokedAt: number | undefined;
  lastUsedAt: number | undefined;
}

/** Persistence of users, grants and tokens; every method runs on the executor it is given. */
export interface UserStore {
  getUser(x: Executor, username: string): Promise<User | undefined>;
  listUsers(x: Executor): Promise<User[]>;
  insertUser(x: Executor, user: User): Promise<void>;
  updateUser(
    x: Executor,
    username: string,
    change: { passwordHash?: string; disabled?: boolean },
  ): Promise<void>;
  countUsers(x: Executor): Promise<number>;
  /** Deletes the user, their grants and their tokens. */
  deleteUser(x: Executor, username: string): Promise<void>;
  /** Deletes every grant on one object (a registered model being deleted). */
  deleteGrantsOn(x: Executor, scopeType: ScopeType, scopeId: string): Promise<void>;
  listGrants(x: Executor, username: string): Promise<StoredGrant[]>;
  insertGrant(x: Executor, grant: Omit<StoredGrant, "id">): Promise<StoredGrant>;
  deleteGrant(x: Executor, username: string, grant: Grant): Promise<boolean>;
  insertToken(x: Executor, token: ApiToken, tokenHash: string): Promise<void>;
  findTokenByHash(x: Executor, tokenHash: string): Promise<ApiToken | undefined>;
  getToken(x: Executor, tokenId: string): Promise<ApiToken | undefined>;
  listTokens(x: Executor, username: string | undefined): Promise<ApiToken[]>;
  revokeToken(x: Executor, tokenId: string, at: number): Promise<void>;
  touchToken(x: Executor, tokenId: string, at: number): Promise<void>;
}
