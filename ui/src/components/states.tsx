// The states every page can be in besides "here is your data": loading, error (the server's own message),
// a feature this server does not offer, and empty (with the command a new user should run next).
import type { ReactNode } from "react";
import { ApiError } from "../api/client";

export function Loading({ what }: { what: string }) {
  return (
    <p className="state loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Unavailable({ feature, detail }: { feature: string; detail?: string }) {
  return (
    <div className="state unavailable" role="note">
      <strong>{feature}: not available on this server.</strong>
      <p>{detail ?? "This Flowgate server does not expose the endpoint this page needs (yet)."}</p>
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state empty">
      <strong>{title}</strong>
      {children}
    </div>
  );
}

export function ErrorState({ error, feature }: { error: unknown; feature: string }) {
  if (error instanceof ApiError && error.unavailable) return <Unavailable feature={feature} />;
  if (error instanceof ApiError && error.unauthenticated) {
    return (
      <div className="state error" role="alert">
        <strong>Sign in to see {feature.toLowerCase()}.</strong> <a href="/login">Sign in</a>
      </div>
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof ApiError ? ` (${error.code})` : "";
  return (
    <div className="state error" role="alert">
      <strong>Could not load {feature.toLowerCase()}.</strong>
      <p>
        {message}
        {code}
      </p>
    </div>
  );
}

/** Renders loading/error/children for a useAsync result. */
export function Async<T>(props: {
  state: { data: T | undefined; error: unknown; loading: boolean };
  what: string;
  children: (data: T) => ReactNode;
}) {
  const { state } = props;
  if (state.error !== undefined) return <ErrorState error={state.error} feature={props.what} />;
  if (state.data === undefined) return <Loading what={props.what.toLowerCase()} />;
  return <>{props.children(state.data)}</>;
}

export function CodeHint({ children }: { children: string }) {
  return <pre className="hint">{children}</pre>;
}
