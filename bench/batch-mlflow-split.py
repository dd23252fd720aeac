"""Times the phases of `mlflow models predict -t csv` in one process, with mlflow's own functions in the order its
_predict runs them (mlflow.pyfunc.scoring_server): imports, model load, CSV parse, predict, JSON output. The CLI's
wall time is start-up plus these; the last three are the part that grows with the rows.

Usage: python batch-mlflow-split.py MODEL_DIR INPUT_CSV OUTPUT_JSON   (prints one JSON object of seconds)
"""

import json
import sys
import time

t0 = time.perf_counter()
from mlflow.pyfunc import load_model  # noqa: E402
from mlflow.pyfunc.scoring_server import parse_csv_input, predictions_to_json  # noqa: E402

t1 = time.perf_counter()
model = load_model(sys.argv[1])
t2 = time.perf_counter()
df = parse_csv_input(sys.argv[2])
t3 = time.perf_counter()
predictions = model.predict(df)
t4 = time.perf_counter()
with open(sys.argv[3], "w") as out:
    predictions_to_json(predictions, out)
t5 = time.perf_counter()
print(
    json.dumps(
        {
            "import": t1 - t0,
            "load_model": t2 - t1,
            "parse_csv": t3 - t2,
            "predict": t4 - t3,
            "write_json": t5 - t4,
            "rows": t5 - t2,
        }
    )
)
