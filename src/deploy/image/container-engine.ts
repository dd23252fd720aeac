// The container engines `flowgate models build-docker` can build with: docker (when its daemon answers), podman
// or buildah (daemonless: being on PATH is enough). The first usable one in that order builds, unless one is named.
import { execFile, spawn } from "node:child_process";
import { access, constants } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

export const ENGINE_NAMES = ["docker", "podman", "buildah"] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export interface ContainerEngine {
  name: EngineName;
  path: string;
}

export interface EngineDetection {
  engine: ContainerEngine | undefined;
  /** One line per engine looked at: why it is not used. */
  notes: string[];
}

export async function detectEngine(
  only?: EngineName,
  env: NodeJS.ProcessEnv = process.env,
): Promise<EngineDetection> {
  const notes: string[] = [];
  for (const name of only === undefined ? ENGINE_NAMES : [only]) {
    const found = await onPath(name, env.PATH ?? "");
    if (found === undefined) {
      notes.push(`${name}: not on PATH`);
      continue;
    }
    if (name === "docker") {
      // The docker CLI alone builds nothing: it needs a reachable daemon.
      try {
        await promisify(execFile)(found, ["info", "--format", "{{.ServerVersion}}"], {
          timeout: 15_000,
          env,
        });
      } catch (err) {
        const e = err as { stderr?: string; message: string };
        const why = (e.stderr ?? "").trim().split("\n")[0] || e.message.split("\n")[0];
        notes.push(`docker: ${found} is on PATH but its daemon does not answer (${why ?? "unknown"})`);
        continue;
      }
    }
    return { engine: { name, path: found }, notes };
  }
  return { engine: undefined, notes };
}

/** `build -t <image> <dir>` (buildah: `bud`), output passed through to stderr; resolves to the exit code. */
export function buildImage(engine: ContainerEngine, contextDir: string, image: string): Promise<number> {
  const args =
    engine.name === "buildah" ? ["bud", "-t", image, contextDir] : ["build", "-t", image, contextDir];
  return runEngine(engine, args);
}

/** `push <image>` with the engine's own registry login. */
export function pushImage(engine: ContainerEngine, image: string): Promise<number> {
  return runEngine(engine, ["push", image]);
}

function runEngine(engine: ContainerEngine, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(engine.path, args, { stdio: ["ignore", process.stderr, process.stderr] });
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? 1));
  });
}

async function onPath(name: string, pathEnv: string): Promise<string | undefined> {
  for (const dir of pathEnv.split(path.delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}
