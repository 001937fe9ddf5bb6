import numpy as np
import pytest

from autodevops.features.encoder import CachedEncoder, OnnxEncoder, TorchEncoder, load_encoder

TEXTS = ["Bind for <IP>:<NUM> failed: port is already allocated",
         "FATAL: password authentication failed for user \"app\"",
         "Bind for <IP>:<NUM> failed: port is already allocated"]


class CountingEncoder:
    """Wraps the real ONNX encoder and counts how many texts reach it."""

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name
        self.seen: list[str] = []

    def encode(self, texts):
        self.seen.extend(texts)
        return self.inner.encode(texts)


@pytest.fixture(scope="module")
def onnx(encoder_dir):
    return OnnxEncoder(encoder_dir, "onnx")


def test_vectors_are_384_normalised_and_deterministic(onnx):
    v = onnx.encode(TEXTS)
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert np.allclose(v[0], v[2], atol=1e-6)
    assert float(v[0] @ v[1]) < 0.5


def test_second_embed_of_the_same_text_makes_no_model_call(onnx, tmp_path):
    counting = CountingEncoder(onnx)
    cache = CachedEncoder(counting, tmp_path / "cache.sqlite")
    first = cache.encode(TEXTS)
    assert counting.seen == TEXTS[:2]  # the repeat inside the batch is embedded once
    again = cache.encode(TEXTS[:1])
    assert counting.seen == TEXTS[:2] and cache.model_calls == 1
    assert np.array_equal(again[0], first[0])
    cache.close()
    # A new process (new object) finds the vectors on disk.
    counting2 = CountingEncoder(onnx)
    reopened = CachedEncoder(counting2, tmp_path / "cache.sqlite")
    assert np.array_equal(reopened.encode(TEXTS[1:2])[0], first[1])
    assert counting2.seen == [] and reopened.hits == 1


def test_onnx_matches_the_sentence_transformers_reference(onnx):
    reference = TorchEncoder().encode(TEXTS)
    assert np.allclose((onnx.encode(TEXTS) * reference).sum(axis=1), 1.0, atol=1e-4)


def test_unknown_variant_is_refused(encoder_dir):
    with pytest.raises(ValueError, match="unknown encoder"):
        load_encoder("bf16", encoder_dir)


def test_the_model_is_built_on_the_first_encode_only(encoder_dir, tmp_path):
    lazy = OnnxEncoder(encoder_dir, "onnx")
    assert "session" not in vars(lazy) and "tokenizer" not in vars(lazy)  # a warm run never needs them
    cache = CachedEncoder(lazy, tmp_path / "cache.sqlite")
    cache.encode(TEXTS[:1])
    assert "session" in vars(lazy)


def test_a_missing_export_is_refused_at_once(tmp_path):
    with pytest.raises(FileNotFoundError, match="no ONNX export"):
        OnnxEncoder(tmp_path, "onnx")
