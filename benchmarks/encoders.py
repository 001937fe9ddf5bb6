"""Embedding throughput of the three encoder back-ends on the corpus's real failure-line templates.

    python benchmarks/encoders.py [--lines 2000]

Prints lines/s for ONNX fp32, ONNX int8 and sentence-transformers (torch), and the cosine of each ONNX
vector to the torch reference. No cache is involved: every line reaches the model.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=2000)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from autodevops.corpus import load_catalog, load_corpus
    from autodevops.features.encoder import OnnxEncoder, TorchEncoder, export_onnx
    from autodevops.features.extract import FailureExtractor
    from autodevops.features.signals import SignalMatcher

    extractor = FailureExtractor(SignalMatcher.from_patterns(load_catalog().values()))
    templates = list(dict.fromkeys(t for r in load_corpus("train") for t in extractor.extract(r.log).templates))
    texts = templates[: args.lines]
    onnx_dir = export_onnx(Path(os.environ.get("AUTODEVOPS_HOME", tempfile.mkdtemp())) / "encoder")
    reference = None
    results = {}
    for name, make in (("torch", lambda: TorchEncoder()), ("onnx", lambda: OnnxEncoder(onnx_dir, "onnx")),
                       ("onnx-int8", lambda: OnnxEncoder(onnx_dir, "onnx-int8"))):
        encoder = make()
        encoder.encode(texts[:64])  # warm-up
        start = time.perf_counter()
        vectors = encoder.encode(texts)
        seconds = time.perf_counter() - start
        if reference is None:
            reference = vectors
        cosine = (vectors * reference).sum(axis=1)
        results[name] = {"lines": len(texts), "lines_per_s": round(len(texts) / seconds, 1),
                         "cosine_to_torch_mean": round(float(cosine.mean()), 4),
                         "cosine_to_torch_min": round(float(cosine.min()), 4)}
        print(name, json.dumps(results[name]))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
