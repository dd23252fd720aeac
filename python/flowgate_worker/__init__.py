"""Flowgate's Python worker: runs MLflow pyfunc models for `flowgate models serve`.

Imports only mlflow.pyfunc and the standard library (plus skl2onnx/onnx for the ONNX conversion). It speaks a
line-delimited JSON protocol on stdin/stdout with request ids; see protocol.py.
"""
