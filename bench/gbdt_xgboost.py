#!/usr/bin/python3
"""XGBoost 1.7 hist peer for bench/gbdt.ts: trains on the exact float32 matrix verde trained on.

Usage: /usr/bin/python3 bench/gbdt_xgboost.py DIR   (DIR holds meta.json, train_x.f32, train_y.u8,
test_x.f32, test_y.u8 written by bench/gbdt.ts). Prints one JSON line with the timings and ROC-AUC.
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
    dtest = xgb.DMatrix(xte, missing=np.nan, nthread=p["threads"])
    t3 = time.perf_counter()
    pred = booster.predict(dtest)
    t4 = time.perf_counter()
    print(json.dumps({
        "xgboostVersion": xgb.__version__,
        "dmatrixSeconds": t1 - t0,
        "trainSeconds": t2 - t1,
        "trainCpuSeconds": c2 - c1,
        "predictSeconds": t4 - t3,
        "predictRowsPerSecond": len(yte) / (t4 - t3),
        "rocAuc": float(roc_auc_score(yte, pred)),
    }))


if __name__ == "__main__":
    main()
