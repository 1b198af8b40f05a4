#!/usr/bin/python3
"""XGBoost 1.7 hist peer for bench/gbdt.ts: trains on the exact float32 matrix verde trained on.

Usage: /usr/bin/python3 bench/gbdt_xgboost.py DIR   (DIR holds meta.json, train_x.f32, train_y.u8,
test_x.f32, test_y.u8 written by bench/gbdt.ts). Prints one JSON line with the timings and ROC-AUC.

Scoring is timed like verde's ONNX Runtime figure: the whole test matrix in one call, `warmup` untimed
calls then the mean of `reps` timed ones (both from meta.json). It uses `inplace_predict` on the float32
array, the analogue of handing ONNX Runtime a tensor: `Booster.predict(DMatrix)` caches its predictions
per DMatrix, so a repeated call on the same DMatrix returns the cache instead of walking the trees.
The cold figure (DMatrix construction plus the first predict) is kept as `coldPredictRowsPerSecond`.
"""
import json
import sys
import time

import numpy as np
import xgboost as xgb
from sklearn.metrics import roc_auc_score


def main() -> None:
    d = sys.argv[1]
    meta = json.load(open(f"{d}/meta.json"))
    nf = meta["nFeatures"]
    xtr = np.fromfile(f"{d}/train_x.f32", dtype=np.float32).reshape(-1, nf)
    ytr = np.fromfile(f"{d}/train_y.u8", dtype=np.uint8).astype(np.float32)
    xte = np.fromfile(f"{d}/test_x.f32", dtype=np.float32).reshape(-1, nf)
    yte = np.fromfile(f"{d}/test_y.u8", dtype=np.uint8)
    p = meta["params"]
    params = {
        "tree_method": "hist",
        "grow_policy": "lossguide",
        "max_leaves": p["maxLeaves"],
        "max_depth": 0,
        "eta": p["learningRate"],
        "lambda": p["lambda"],
        "min_child_weight": p["minChildWeight"],
        "max_bin": p["maxBins"],
        "nthread": p["threads"],
        "objective": "binary:logistic",
        "base_score": float(ytr.mean()),
    }
    t0 = time.perf_counter()
    dtrain = xgb.DMatrix(xtr, label=ytr, missing=np.nan, nthread=p["threads"])
    t1 = time.perf_counter()
    c1 = time.process_time()
    booster = xgb.train(params, dtrain, num_boost_round=p["nTrees"])
    t2 = time.perf_counter()
    c2 = time.process_time()
    t3 = time.perf_counter()
    dtest = xgb.DMatrix(xte, missing=np.nan, nthread=p["threads"])
    pred = booster.predict(dtest)
    t4 = time.perf_counter()
    scoring = meta["scoring"]
    for _ in range(scoring["warmup"]):
        warm = booster.inplace_predict(xte, missing=np.nan)
    # Same trees, same answers: the warm path must score exactly what predict() scored.
    max_diff = float(np.max(np.abs(warm - pred)))
    if max_diff > 1e-6:
        raise SystemExit(f"inplace_predict differs from predict by {max_diff}")
    t5 = time.perf_counter()
    c5 = time.process_time()
    for _ in range(scoring["reps"]):
        booster.inplace_predict(xte, missing=np.nan)
    t6 = time.perf_counter()
    c6 = time.process_time()
    warm_seconds = (t6 - t5) / scoring["reps"]
    print(json.dumps({
        "xgboostVersion": xgb.__version__,
        "dmatrixSeconds": t1 - t0,
        "trainSeconds": t2 - t1,
        "trainCpuSeconds": c2 - c1,
        "coldPredictSeconds": t4 - t3,
        "coldPredictRowsPerSecond": len(yte) / (t4 - t3),
        "predictSeconds": warm_seconds,
        "predictRowsPerSecond": len(yte) / warm_seconds,
        "predictCpuSeconds": (c6 - c5) / scoring["reps"],
        "predictWarmup": scoring["warmup"],
        "predictReps": scoring["reps"],
        "rocAuc": float(roc_auc_score(yte, pred)),
    }))


if __name__ == "__main__":
    main()
