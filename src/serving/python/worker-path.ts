// Where the Python worker package (python/flowgate_worker) lives: the repository's python/ directory, two levels
// above this file in both src/ (tsx) and dist/ (built).
import { fileURLToPath } from "node:url";

export const PYTHON_WORKER_PATH = fileURLToPath(new URL("../../../python", import.meta.url));
