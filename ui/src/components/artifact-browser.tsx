// Browses an artifact tree (a run's or a logged model's) and previews files: text, JSON (pretty-printed),
// images (from a same-origin blob, never a remote URL). Files are fetched with the user's credentials.
import { useEffect, useRef, useState } from "react";
import { fetchArtifact } from "../api/client";
import type { FileInfo } from "../api/mlflow-types";
import { formatBytes } from "../lib/format";
import { ErrorState } from "./states";

const IMAGE = /\.(png|jpe?g|gif|webp|svg|bmp)$/i;
const TEXT =
  /(\.(txt|log|json|ya?ml|csv|tsv|md|py|cfg|ini|toml|html|xml|sh|r|sql)|(^|\/)(MLmodel|requirements\.txt|conda\.yaml|python_env\.yaml|LICENSE))$/i;
const MAX_PREVIEW = 2 * 1024 * 1024;

export interface ArtifactSource {
  /** Lists one directory ("" is the root); returns paths relative to the root. */
  list(dir: string): Promise<FileInfo[]>;
  /** URL to GET one file's bytes, or undefined if this artifact location cannot be proxied. */
  fileUrl(path: string): string | undefined;
}

function Dir(props: {
  source: ArtifactSource;
  dir: string;
  depth: number;
  open: string | undefined;
  onOpen: (f: FileInfo) => void;
  /** A path to show on arrival (a deep link): its folders start expanded and the file opens. */
  reveal: string | undefined;
}) {
  const [files, setFiles] = useState<FileInfo[]>();
  const [error, setError] = useState<unknown>();
  const [expanded, setExpanded] = useState<Record<string, boolean>>(() => ancestors(props.reveal));
  useEffect(() => {
    props.source.list(props.dir).then(setFiles, setError);
  }, [props.dir]);
  useEffect(() => {
    const target = files?.find((f) => f.path === props.reveal && !f.is_dir);
    if (target) props.onOpen(target);
  }, [files]);
  if (error !== undefined) return <ErrorState error={error} feature="Artifacts" />;
  if (!files) return <p className="muted small">Loading…</p>;
  if (files.length === 0 && props.depth === 0) return <p className="muted">No artifacts logged.</p>;
  const sorted = [...files].sort(
    (a, b) => Number(b.is_dir ?? false) - Number(a.is_dir ?? false) || a.path.localeCompare(b.path),
  );
  return (
    <ul
      className="tree"
      role={props.depth === 0 ? "tree" : "group"}
      aria-label={props.depth === 0 ? "Artifacts" : undefined}
    >
      {sorted.map((f) => {
        const name = f.path.split("/").pop() ?? f.path;
        if (f.is_dir) {
          const isOpen = expanded[f.path] ?? false;
          return (
            <li key={f.path} role="treeitem" aria-expanded={isOpen}>
              <button
                type="button"
                className="tree-node"
                onClick={() => setExpanded((e) => ({ ...e, [f.path]: !isOpen }))}
              >
                {isOpen ? "▾" : "▸"} {name}/
              </button>
              {isOpen && <Dir {...props} dir={f.path} depth={props.depth + 1} />}
            </li>
          );
        }
        return (
          <li key={f.path} role="treeitem" aria-selected={props.open === f.path}>
            <button
              type="button"
              className={`tree-node file ${props.open === f.path ? "active" : ""}`}
              onClick={() => props.onOpen(f)}
            >
              {name} <span className="muted small">{formatBytes(f.file_size)}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/** `a/b/c.txt` → {a: true, "a/b": true}: the folders to expand to show a path. */
function ancestors(target: string | undefined): Record<string, boolean> {
  const parts = (target ?? "").split("/").filter((p) => p !== "");
  return Object.fromEntries(parts.slice(0, -1).map((_, i) => [parts.slice(0, i + 1).join("/"), true]));
}

type Preview =
  | { kind: "text"; text: string }
  | { kind: "image"; url: string }
  | { kind: "binary" }
  | { kind: "error"; error: unknown };

function FilePreview({ source, file }: { source: ArtifactSource; file: FileInfo }) {
  const [preview, setPreview] = useState<Preview>();
  const url = source.fileUrl(file.path);
  useEffect(() => {
    let objectUrl: string | undefined;
    let live = true;
    setPreview(undefined);
    const size = Number(file.file_size ?? 0);
    if (!url || (!IMAGE.test(file.path) && !TEXT.test(file.path)) || size > MAX_PREVIEW) {
      setPreview({ kind: "binary" });
      return;
    }
    fetchArtifact(url).then(
      async (blob) => {
        if (!live) return;
        if (IMAGE.test(file.path)) {
          // Re-type SVG so the <img> renders it (an <img> never runs an SVG's scripts).
          const typed = /\.svg$/i.test(file.path) ? new Blob([blob], { type: "image/svg+xml" }) : blob;
          objectUrl = URL.createObjectURL(typed);
          setPreview({ kind: "image", url: objectUrl });
          return;
        }
        let text = await blob.text();
        if (/\.json$/i.test(file.path)) {
          try {
            text = JSON.stringify(JSON.parse(text), null, 2);
          } catch {
            /* show as is */
          }
        }
        if (live) setPreview({ kind: "text", text });
      },
      (error: unknown) => live && setPreview({ kind: "error", error }),
    );
    return () => {
      live = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [url, file.path, file.file_size]);
  return (
    <div className="preview" aria-live="polite">
      <div className="preview-head">
        <strong className="mono">{file.path}</strong>{" "}
        <span className="muted">{formatBytes(file.file_size)}</span>
        {url && (
          <a href={url} download className="small">
            Download
          </a>
        )}
      </div>
      {!preview && <p className="muted">Loading preview…</p>}
      {preview?.kind === "text" && <pre className="file-text">{preview.text}</pre>}
      {preview?.kind === "image" && (
        <img src={preview.url} alt={`Artifact ${file.path}`} className="file-image" />
      )}
      {preview?.kind === "binary" && (
        <p className="muted">No preview for this file type or size; use Download.</p>
      )}
      {preview?.kind === "error" && <ErrorState error={preview.error} feature="This file" />}
    </div>
  );
}

export function ArtifactBrowser({ source, reveal }: { source: ArtifactSource; reveal?: string | undefined }) {
  const [open, setOpen] = useState<FileInfo>();
  const box = useRef<HTMLDivElement>(null);
  // A deep link to a file brings the browser into view once the file is open.
  useEffect(() => {
    if (reveal !== undefined && open?.path === reveal) box.current?.scrollIntoView({ block: "start" });
  }, [open?.path, reveal]);
  return (
    <div className="artifacts" ref={box}>
      <div className="artifact-tree">
        <Dir source={source} dir="" depth={0} open={open?.path} onOpen={setOpen} reveal={reveal} />
      </div>
      <div className="artifact-preview">
        {open ? (
          <FilePreview source={source} file={open} />
        ) : (
          <p className="muted">Select a file to preview it.</p>
        )}
      </div>
    </div>
  );
}
