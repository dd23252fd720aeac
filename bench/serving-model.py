"""The benchmark model: iris RandomForestClassifier(n_estimators=100), saved by the real mlflow client."""

import sys

import mlflow.sklearn
from mlflow.models import infer_signature
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier

iris = load_iris(as_frame=True)
X = iris.data.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
model = RandomForestClassifier(n_estimators=100, random_state=0).fit(X, iris.target)
mlflow.sklearn.save_model(
    model,
    sys.argv[1],
    signature=infer_signature(X, model.predict(X)),
    input_example=X.head(3),
    skops_trusted_types=["sklearn.tree._tree.Tree"],
)
