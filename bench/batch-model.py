"""Saves the batch benchmark's model with the REAL mlflow client: an iris LogisticRegression logged with an input
example (so `auto` serves it on ONNX after checking the conversion against it), as a local model directory.

Usage: python batch-model.py OUT_DIR
"""

import sys

import mlflow.sklearn
from mlflow.models import infer_signature
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

iris = load_iris(as_frame=True)
X = iris.data.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
model = LogisticRegression(max_iter=500).fit(X, iris.target)
mlflow.sklearn.save_model(
    model,
    sys.argv[1],
    signature=infer_signature(X, model.predict(X)),
    input_example=X.head(3),
    pip_requirements=["mlflow", "scikit-learn", "pandas"],
)
