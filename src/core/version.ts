// The Flowgate version, and the MLflow version we report on `/version`: the 3.x client checks it to decide
// which features (span logging ≥3.4) the server has.
export const FLOWGATE_VERSION = "0.1.0";
export const MLFLOW_COMPAT_VERSION = "3.17.2";
