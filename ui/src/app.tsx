// Routes a path to its page, inside the frame. Unknown paths get a not-found page with a way back.
import { useEffect } from "react";
import { SessionContext, useSession } from "./api/session";
import { Layout } from "./components/layout";
import { AuditPage } from "./pages/audit-page";
import { MonitoringPage } from "./pages/monitoring-page";
import { ComparePage } from "./pages/compare-page";
import { DeploymentPage } from "./pages/deployment-page";
import { DeploymentsPage } from "./pages/deployments-page";
import { ExperimentsPage } from "./pages/experiments-page";
import { LoginPage } from "./pages/login-page";
import { ModelPage } from "./pages/model-page";
import { ModelsPage } from "./pages/models-page";
import { RequestsPage } from "./pages/requests-page";
import { RunPage } from "./pages/run-page";
import { RunsPage } from "./pages/runs-page";
import { UsersPage } from "./pages/users-page";
import { VersionPage } from "./pages/version-page";
import { Link, matchPath, navigate, useLocation, type Location } from "./lib/router";

function page(loc: Location) {
  const { path } = loc;
  let m: Record<string, string> | undefined;
  if (path === "/" || path === "/experiments") return { title: "Experiments", node: <ExperimentsPage /> };
  if ((m = matchPath("/experiments/:id", path)))
    return { title: "Runs", node: <RunsPage key={m.id} experimentId={m.id ?? ""} location={loc} /> };
  if ((m = matchPath("/runs/:id", path)))
    return {
      title: "Run",
      node: <RunPage key={m.id} runId={m.id ?? ""} artifact={loc.query.get("artifact") ?? undefined} />,
    };
  if (path === "/compare") {
    const ids = (loc.query.get("runs") ?? "").split(",").filter((s) => s !== "");
    return { title: "Compare runs", node: <ComparePage runIds={ids} /> };
  }
  if (path === "/models") return { title: "Models", node: <ModelsPage location={loc} /> };
  if ((m = matchPath("/models/:name/versions/:version", path)))
    return {
      title: `${m.name} v${m.version}`,
      node: <VersionPage name={m.name ?? ""} version={m.version ?? ""} />,
    };
  if ((m = matchPath("/models/:name", path)))
    return { title: m.name ?? "Model", node: <ModelPage name={m.name ?? ""} /> };
  if (path === "/governance/requests") return { title: "Approvals", node: <RequestsPage /> };
  if (path === "/governance/audit") return { title: "Audit log", node: <AuditPage location={loc} /> };
  if (path === "/governance/users") return { title: "Users & tokens", node: <UsersPage /> };
  if (path === "/login") return { title: "Sign in", node: <LoginPage next={loc.query.get("next") ?? "/"} /> };
  if (path === "/deployments") return { title: "Deployments", node: <DeploymentsPage location={loc} /> };
  if ((m = matchPath("/deployments/:name", path)))
    return { title: m.name ?? "Deployment", node: <DeploymentPage key={m.name} name={m.name ?? ""} /> };
  if (path === "/monitoring") return { title: "Monitoring", node: <MonitoringPage /> };
  return {
    title: "Not found",
    node: (
      <section>
        <h1>Page not found</h1>
        <p>
          Nothing lives at <code>{path}</code>. Go to the <Link to="/experiments">experiments</Link> or the{" "}
          <Link to="/models">models</Link>.
        </p>
      </section>
    ),
  };
}

export function App() {
  const loc = useLocation();
  const session = useSession();
  const { title, node } = page(loc);
  useEffect(() => {
    document.title = `${title} · Flowgate`;
    // Move focus to the new page's content so keyboard and screen-reader users land on it.
    document.getElementById("main")?.focus({ preventScroll: true });
  }, [title, loc.path]);
  useEffect(() => {
    const toLogin = () => {
      if (window.location.pathname !== "/login")
        navigate(`/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
    };
    window.addEventListener("flowgate-unauthenticated", toLogin);
    return () => window.removeEventListener("flowgate-unauthenticated", toLogin);
  }, []);
  return (
    <SessionContext.Provider value={session}>
      <Layout path={loc.path} session={session}>
        {node}
      </Layout>
    </SessionContext.Provider>
  );
}
