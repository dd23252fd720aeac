// The frame around every page: a skip link, the navigation (a sidebar at desktop width, a top bar on
// tablets) and who is signed in.
import type { ReactNode } from "react";
import { setAuthHeader } from "../api/client";
import type { Session } from "../api/session";
import { Link } from "../lib/router";

const NAV: { to: string; label: string; section: string }[] = [
  { to: "/experiments", label: "Experiments", section: "Tracking" },
  { to: "/models", label: "Models", section: "Registry" },
  { to: "/governance/requests", label: "Approvals", section: "Governance" },
  { to: "/governance/audit", label: "Audit log", section: "Governance" },
  { to: "/governance/users", label: "Users & tokens", section: "Governance" },
  { to: "/deployments", label: "Deployments", section: "Delivery" },
  { to: "/monitoring", label: "Monitoring", section: "Delivery" },
];

export function Layout(props: { path: string; session: Session | undefined; children: ReactNode }) {
  const sections = [...new Set(NAV.map((n) => n.section))];
  return (
    <div className="frame">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="sidebar">
        <Link to="/" className="brand">
          Flowgate
        </Link>
        <nav aria-label="Main">
          {sections.map((section) => (
            <div key={section} className="nav-section">
              <span className="nav-heading">{section}</span>
              <ul>
                {NAV.filter((n) => n.section === section).map((n) => (
                  <li key={n.to}>
                    <Link to={n.to} aria-current={props.path.startsWith(n.to) ? "page" : undefined}>
                      {n.label}
                    </Link>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </nav>
        <div className="who">
          {props.session?.authEnabled ? (
            props.session.user ? (
              <>
                <span>
                  Signed in as <strong>{props.session.user.name}</strong>
                  {props.session.user.roles.length > 0 && (
                    <span className="muted"> ({props.session.user.roles.join(", ")})</span>
                  )}
                </span>
                <button type="button" className="link" onClick={() => setAuthHeader(undefined)}>
                  Sign out
                </button>
              </>
            ) : (
              <Link to="/login">Sign in</Link>
            )
          ) : (
            <span className="muted" title="The server runs without authentication">
              Auth off
            </span>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
    </div>
  );
}
