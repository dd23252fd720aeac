// Exactly one controller acts on a deployment, also with several servers over one PostgreSQL: before acting,
// a server takes (or renews) the deployment's lease with one conditional upsert — insert, or take over a row
// that is ours or expired — so the database, not the servers, decides who holds it. A lease lapses after its
// TTL when its holder stops renewing (crashed, partitioned); the state's optimistic version is the second guard.
import type { Executor } from "../../store/database.js";

interface ControllerLeasesTable {
  deployment: string;
  holder: string;
  expires_at: number;
}

/**
 * Renewed every tick (1 s), so a lease outlives a couple of slow ticks but not a dead server: a rollout whose
 * server is killed goes on from another within TTL + one tick (3.5 s). A tick late past the TTL at worst lets
 * another server act once, which the state's optimistic version turns into a no-op for one of the two.
 */
export const LEASE_TTL_MS = 2_500;

export interface ControllerLease {
  /** True when `holder` holds the lease on `deployment` until now + ttl (taken or renewed). */
  acquire(x: Executor, deployment: string, holder: string, now: number, ttlMs?: number): Promise<boolean>;
  /** Gives up the leases `holder` holds (at shutdown), so another server takes over at once. */
  releaseAll(x: Executor, holder: string): Promise<void>;
}

function leases(x: Executor) {
  return x.withTables<{ controller_leases: ControllerLeasesTable }>();
}

export function createControllerLease(): ControllerLease {
  return {
    async acquire(x, deployment, holder, now, ttlMs = LEASE_TTL_MS) {
      // One statement on both engines (INSERT … ON CONFLICT DO UPDATE … WHERE): the update happens only for
      // our own or an expired lease, and RETURNING answers a row only when this statement wrote one. On
      // PostgreSQL a concurrent upsert waits for the row lock and re-checks the WHERE against the winner's row.
      const rows = await leases(x)
        .insertInto("controller_leases")
        .values({ deployment, holder, expires_at: now + ttlMs })
        .onConflict((oc) =>
          oc
            .column("deployment")
            .doUpdateSet((eb) => ({
              holder: eb.ref("excluded.holder"),
              expires_at: eb.ref("excluded.expires_at"),
            }))
            .where((eb) =>
              eb.or([
                eb("controller_leases.holder", "=", holder),
                eb("controller_leases.expires_at", "<=", now),
              ]),
            ),
        )
        .returning("holder")
        .execute();
      return rows.length === 1;
    },
    async releaseAll(x, holder) {
      await leases(x).deleteFrom("controller_leases").where("holder", "=", holder).execute();
    },
  };
}
