"""Command dispatch for the worker. stdout carries only protocol lines: the model's own prints go to stderr."""

import argparse
import json
import os
import sys


def main(argv):
    parser = argparse.ArgumentParser(prog="flowgate_worker")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="load a pyfunc model and answer predict requests on stdin")
    serve.add_argument("--model-path", required=True)
    convert = sub.add_parser("convert", help="convert a scikit-learn model to ONNX and check equality")
    convert.add_argument("--model-path", required=True)
    convert.add_argument("--out", required=True)
    convert.add_argument("--rows", type=int, default=200)
    args = parser.parse_args(argv)

    # Keep the protocol channel clean: anything the model or libraries print goes to stderr.
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1, encoding="utf-8")
    sys.stdout = sys.stderr

    if args.command == "serve":
        from flowgate_worker.serve import serve_forever

        code = serve_forever(args.model_path, sys.stdin.buffer, protocol_out)
        # Exits without the interpreter's teardown: freeing mlflow's ~1800 modules took ~1 s, which every batch
        # run (and every serving shutdown) waited for once its last answer was written. Everything written is flushed.
        protocol_out.flush()
        sys.stderr.flush()
        os._exit(code)
    from flowgate_worker.convert import convert_to_onnx

    result = convert_to_onnx(args.model_path, args.out, args.rows)
    protocol_out.write(json.dumps(result) + "\n")
    protocol_out.flush()
    return 0
