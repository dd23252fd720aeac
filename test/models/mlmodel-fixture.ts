// An MLmodel file as MLflow 3.x writes it for a scikit-learn classifier with a column signature.
export const SKLEARN_MLMODEL = `artifact_path: mlflow-artifacts:/1/models/m-0123456789abcdef0123456789abcdef/artifacts
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
    python_version: 3.11.9
  sklearn:
    code: null
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.5.2
is_signature_from_type_hint: false
mlflow_version: 3.1.0
model_id: m-0123456789abcdef0123456789abcdef
model_size_bytes: 2048
model_uuid: m-0123456789abcdef0123456789abcdef
run_id: 0123456789abcdef0123456789abcdef
saved_input_example_info:
  artifact_path: input_example.json
  pandas_orient: split
  serving_input_path: serving_input_example.json
  type: dataframe
signature:
  inputs: '[{"type": "double", "name": "sepal length (cm)", "required": true}, {"type": "double", "name": "petal width (cm)", "required": false}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
  params: '[{"name": "threshold", "type": "double", "default": 0.5, "shape": null}]'
type_hint_from_example: false
utc_time_created: '2026-01-15 10:20:30.123456'
`;

export const REQUIREMENTS =
  "mlflow==3.1.0\n# pinned by mlflow\ncloudpickle==3.0.0\nscikit-learn==1.5.2\n-r extra.txt\n";
