// Users and API tokens. Admins see every user and their roles; everyone can manage their own tokens.
// A new token is shown once, when it is created (the server stores only its hash).
import { useState, type FormEvent } from "react";
import { errorText } from "../api/client";
import { createToken, listTokens, listUsers, revokeToken } from "../api/governance-api";
import { useCurrentSession, whyNot } from "../api/session";
import { Async, Unavailable } from "../components/states";
import { formatTime } from "../lib/format";
import { useAsync } from "../lib/use-async";

function Tokens() {
  const state = useAsync(listTokens, []);
  const [name, setName] = useState("");
  const [created, setCreated] = useState<string>();
  const [error, setError] = useState<string>();
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      setCreated(await createToken(name));
      setName("");
      state.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const revoke = async (id: string) => {
    try {
      await revokeToken(id);
      state.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <section aria-labelledby="h-tokens">
      <h2 id="h-tokens">API tokens</h2>
      <Async state={state} what="Tokens">
        {(tokens) => (
          <>
            {tokens.length === 0 ? (
              <p className="muted">
                No tokens. Create one for CI or the mlflow client (MLFLOW_TRACKING_TOKEN).
              </p>
            ) : (
              <table className="grid compact">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">User</th>
                    <th scope="col">Created</th>
                    <th scope="col">Expires</th>
                    <th scope="col">Last used</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {tokens.map((t) => (
                    <tr key={t.id}>
                      <td>{t.name}</td>
                      <td>{t.username}</td>
                      <td>{formatTime(t.createdAt)}</td>
                      <td>{t.expiresAt ? formatTime(t.expiresAt) : "never"}</td>
                      <td>{formatTime(t.lastUsedAt)}</td>
                      <td>
                        {t.revokedAt ? (
                          <span className="badge">revoked</span>
                        ) : (
                          <button type="button" className="danger" onClick={() => void revoke(t.id)}>
                            Revoke
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <form className="filter row" onSubmit={create}>
              <label>
                New token name{" "}
                <input
                  value={name}
                  onChange={(e) => setName(e.target.value)}
                  required
                  placeholder="ci-pipeline"
                />
              </label>
              <button type="submit">Create token</button>
            </form>
            {created && (
              <p className="notice" role="status">
                Your new token (shown only now): <code className="secret">{created}</code>
              </p>
            )}
            {error && (
              <p className="field-error" role="alert">
                {error}
              </p>
            )}
          </>
        )}
      </Async>
    </section>
  );
}

function Users() {
  const state = useAsync(listUsers, []);
  return (
    <section aria-labelledby="h-users">
      <h2 id="h-users">Users</h2>
      <Async state={state} what="Users">
        {(users) => (
          <table className="grid compact">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Kind</th>
                <th scope="col">Roles</th>
                <th scope="col">Created</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.username}>
                  <td>{u.username}</td>
                  <td>{u.kind}</td>
                  <td>{u.roles.join(", ")}</td>
                  <td>{formatTime(u.createdAt)}</td>
                  <td>{u.disabled ? <span className="badge warn">disabled</span> : "active"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>
      <p className="muted small">
        Create users with <code>flowgate users create &lt;name&gt; --role data-scientist</code>.
      </p>
    </section>
  );
}

export function UsersPage() {
  const session = useCurrentSession();
  const adminBlocked = whyNot(session, "user.manage");
  return (
    <section aria-labelledby="h-users-page">
      <h1 id="h-users-page">Users &amp; tokens</h1>
      {session && !session.authEnabled && (
        <Unavailable
          feature="User management"
          detail="This server runs without authentication, so there are no users or tokens. Start it with `flowgate server --auth` to turn them on."
        />
      )}
      {session?.authEnabled && (
        <>
          {adminBlocked ? <p className="muted">The user list is for admins. {adminBlocked}</p> : <Users />}
          <Tokens />
        </>
      )}
    </section>
  );
}
