// Sign in when the server has auth on: the UI sends HTTP Basic credentials (or a bearer token) with every
// API call, the same credentials the mlflow client uses. They are kept for this browser tab only.
import { useState, type FormEvent } from "react";
import { setAuthHeader } from "../api/client";
import { loadSession } from "../api/session";
import { navigate } from "../lib/router";

export function LoginPage({ next }: { next: string }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [token, setToken] = useState("");
  const [error, setError] = useState<string>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    const header =
      token.trim() !== ""
        ? `Bearer ${token.trim()}`
        : `Basic ${btoa(unescape(encodeURIComponent(`${username}:${password}`)))}`;
    setAuthHeader(header);
    const session = await loadSession();
    if (!session.user) {
      setAuthHeader(undefined);
      setError("Those credentials were not accepted.");
      return;
    }
    navigate(next.startsWith("/") && !next.startsWith("//") ? next : "/");
  };
  return (
    <section aria-labelledby="h-login" className="login">
      <h1 id="h-login">Sign in to Flowgate</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="login-user">Username</label>
        <input
          id="login-user"
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
        <label htmlFor="login-password">Password</label>
        <input
          id="login-password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <p className="muted small">or</p>
        <label htmlFor="login-token">API token</label>
        <input id="login-token" type="password" value={token} onChange={(e) => setToken(e.target.value)} />
        <button type="submit">Sign in</button>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
