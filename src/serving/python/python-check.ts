// Before any Python work (the skl2onnx conversion, the worker pool) the interpreter is asked whether mlflow is
// importable, so a missing or wrong Python is one actionable line instead of workers failing to load over and over.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { FlowgateError } from "../../core/errors.js";

const execFileAsync = promisify(execFile);
const PROBE = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('mlflow') else 3)";

export async function requireMlflowPython(python: string): Promise<void> {
  let why: string | undefined;
  try {
    await execFileAsync(python, ["-c", PROBE], { timeout: 60_000 });
  } catch (err) {
    const e = err as Error & { code?: string | number };
    why =
      e.code === "ENOENT"
        ? "was not found"
        : e.code === 3
          ? "has no mlflow installed"
          : `could not be run (${String(e.code ?? e.message)})`;
  }
  if (why !== undefined) {
    throw new FlowgateError(
      "INVALID_STATE",
      `this model needs a Python with mlflow, and '${python}' ${why}: pass --python <path> or set FLOWGATE_PYTHON, or run ./scripts/setup-python.sh to create one`,
    );
  }
}
