// How flowgate itself gets into an image: the npm package of the running installation (`npm pack`, the files
// package.json lists: bin, dist, ui/dist, the Python worker, ops) is placed in the context, so the context builds
// from its directory alone with no registry holding flowgate; or a tarball given with --flowgate-package.
import { execFile } from "node:child_process";
import { copyFile, rename, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { FlowgateError, invalidParameter } from "../../core/errors.js";
import { FLOWGATE_VERSION } from "../../core/version.js";

/** The installation this code runs from: three levels above this file in both src/ (tsx) and dist/ (built). */
export const FLOWGATE_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The package's file name in every context, whatever it was called: a fixed name keeps the Dockerfile stable. */
export const PACKAGE_FILE = `flowgate-${FLOWGATE_VERSION}.tgz`;

/** Puts the flowgate package into `dir` as PACKAGE_FILE: a copy of `tarball`, else `npm pack` of FLOWGATE_ROOT. */
export async function placeFlowgatePackage(dir: string, tarball: string | undefined): Promise<string> {
  const target = path.join(dir, PACKAGE_FILE);
  if (tarball !== undefined) {
    const info = await stat(tarball).catch(() => undefined);
    if (info?.isFile() !== true)
      throw invalidParameter(
        `--flowgate-package '${tarball}' is not a file; pass a tarball made by \`npm pack\`.`,
      );
    await copyFile(tarball, target);
    return target;
  }
  const built = await stat(path.join(FLOWGATE_ROOT, "dist", "cli", "main.js")).catch(() => undefined);
  if (built === undefined)
    throw new FlowgateError(
      "INVALID_STATE",
      `flowgate at ${FLOWGATE_ROOT} is not built (no dist/); run \`npm run build\` there, or pass --flowgate-package <tarball>.`,
    );
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(
      "npm",
      ["pack", FLOWGATE_ROOT, "--ignore-scripts", "--json", "--pack-destination", dir],
      { maxBuffer: 32 * 1024 * 1024, timeout: 120_000 },
    ));
  } catch (err) {
    throw new FlowgateError(
      "INVALID_STATE",
      `\`npm pack\` of ${FLOWGATE_ROOT} failed (${(err as Error).message.split("\n")[0] ?? ""}); pass --flowgate-package <tarball>.`,
    );
  }
  const packed = (JSON.parse(stdout) as { filename: string }[])[0]?.filename;
  if (packed === undefined) throw new FlowgateError("INVALID_STATE", "`npm pack` wrote no tarball.");
  const written = path.join(dir, path.basename(packed));
  if (written !== target) await rename(written, target);
  return target;
}
