// Where a new experiment may keep its files. Under the default artifact root each experiment owns the folder
// named by its id, and permission checks place a file in an experiment by that folder; so a client-chosen
// artifact_location may be neither the whole artifact store (nor the default root holding every area) nor
// inside another experiment's folder. Anywhere else in the store is the experiment's own.
import { invalidParameter } from "../core/errors.js";
import { artifactUriPath } from "../artifacts/artifact-uri.js";

export function checkChosenLocation(
  location: string,
  experimentId: string,
  defaultArtifactRoot: string,
): void {
  const storePath = artifactUriPath(location, "artifact_location");
  const refuse = (why: string): never => {
    throw invalidParameter(
      `Invalid artifact_location '${location}': ${why}. Leave it empty for the experiment's own folder, or name ` +
        "a folder of the artifact store that belongs to no other experiment.",
    );
  };
  if (storePath === "") refuse("it is the whole artifact store");
  let root: string | undefined;
  try {
    root = artifactUriPath(defaultArtifactRoot, "default artifact root");
  } catch {
    return; // The default root is elsewhere (a local destination): no experiment folder to collide with here.
  }
  if (storePath === root) refuse("it is the default artifact root, which holds every experiment's folder");
  const inRoot =
    root === "" ? storePath : storePath.startsWith(`${root}/`) ? storePath.slice(root.length + 1) : undefined;
  const folder = inRoot?.split("/")[0];
  if (folder !== undefined && /^\d+$/.test(folder) && folder !== experimentId) {
    refuse(`it is inside the folder of experiment ${folder}`);
  }
}
