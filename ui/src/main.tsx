import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app";
import { followMlflowHash } from "./lib/mlflow-links";
import "./styles.css";

// Before the first render, so a link printed by an mlflow client opens its page without a detour.
followMlflowHash();
window.addEventListener("hashchange", () => void followMlflowHash());

const root = document.getElementById("root");
if (root)
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
