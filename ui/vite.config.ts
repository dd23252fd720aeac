// Builds the single-page app into ui/dist, which `flowgate server` serves at `/`.
// `npm run dev` (and `vite preview`) proxy the APIs to a server ($FLOWGATE_URL, default :5000) for live editing.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const api = { target: process.env.FLOWGATE_URL ?? "http://127.0.0.1:5000", changeOrigin: false };

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 400 },
  server: { proxy: { "/ajax-api": api, "/api": api, "/health": api, "/version": api } },
  preview: { proxy: { "/ajax-api": api, "/api": api, "/health": api, "/version": api } },
});
