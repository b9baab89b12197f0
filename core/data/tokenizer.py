"""Tokenizers: a byte-level BPE trained on the training collection (its own DVC stage), or the tokenizer of
an open base checkpoint read from its Hugging Face folder (or rebuilt from a GGUF vocabulary).

Our own BPE splits digits into single tokens so numbers are read digit by digit; token 0 is padding and
token 1 ends every example. A base checkpoint's tokenizer keeps its own end (and begin) of sequence ids, which
``special_tokens.json`` beside ``tokenizer.json`` records; a begin-of-sequence id is used only when the
tokenizer itself prepends one (Gemma does, SmolLM2 does not). Padding always uses id 0: padded positions are
masked by segment ids, so the filler id never matters. The files a tokenizer saves are its identity:
``sha256`` hashes them, and every model folder records the hash of the tokenizer it was trained with. No hub
download is needed or attempted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from tokenizers import Tokenizer as HFTokenizer
from tokenizers import decoders, models, pre_tokenizers, trainers

from core.data import gguf_vocab
from core.rng import digest_files

PAD, EOS = "<pad>", "<eos>"
SPECIALS = "special_tokens.json"


class Tokenizer:
    """Thin wrapper fixing the special tokens and the encode/decode contract the pipeline relies on.

    ``eos_id``/``bos_id`` of None mean a tokenizer trained here (``<pad>`` = 0, ``<eos>`` = 1, no BOS).
    """

    def __init__(self, backend: HFTokenizer, eos_id: int | None = None, bos_id: int | None = None):
        self._tok = backend
        self.pad_id = 0
        self.bos_id = bos_id
        self._own = eos_id is None
        if self._own:
            pad, eos = backend.token_to_id(PAD), backend.token_to_id(EOS)
            if pad != 0 or eos != 1:
                raise ValueError(f"tokenizer must map {PAD}->0 and {EOS}->1, got {pad}, {eos}")
            eos_id = eos
        self.eos_id = eos_id

    @classmethod
    def train(cls, texts: Iterable[str], vocab_size: int, min_frequency: int = 2) -> Tokenizer:
        backend = HFTokenizer(models.BPE())
        backend.pre_tokenizer = pre_tokenizers.Sequence(
            [
                pre_tokenizers.Digits(individual_digits=True),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
            ]
        )
        backend.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size,
            min_frequency=min_frequency,
            special_tokens=[PAD, EOS],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        )
        backend.train_from_iterator(texts, trainer=trainer)
        return cls(backend)

    @classmethod
    def load(cls, path: str | Path) -> Tokenizer:
        """A saved tokenizer: ``tokenizer.json`` (or its folder), with ``special_tokens.json`` if beside it."""
        path = Path(path)
        if path.is_dir():
            path = path / "tokenizer.json"
        if not path.exists():
            raise FileNotFoundError(f"tokenizer file not found: {path}")
        specials = path.parent / SPECIALS
        ids = json.loads(specials.read_text()) if specials.exists() else {}
        return cls(HFTokenizer.from_file(str(path)), ids.get("eos_id"), ids.get("bos_id"))

    @classmethod
    def from_hf(cls, folder: str | Path) -> Tokenizer:
        """The tokenizer of a Hugging Face model folder (``tokenizer.json`` + ``config.json``). The end of
        sequence id comes from ``config.json`` (its first id when a list), else ``tokenizer_config.json``; the
        begin-of-sequence id only when the tokenizer prepends it (its post-processor, or ``add_bos_token``)."""
        folder = Path(folder)
        if not (folder / "tokenizer.json").exists():
            raise FileNotFoundError(f"{folder}: tokenizer.json is missing")
        backend = HFTokenizer.from_file(str(folder / "tokenizer.json"))
        eos = _special_id(folder, backend, "eos")
        if eos is None:
            raise ValueError(
                f"{folder}: no eos_token_id in config.json and no eos_token in tokenizer_config.json"
            )
        return cls(backend, eos, _bos_convention(folder, backend))

    @classmethod
    def from_gguf_vocab(cls, vocab: dict) -> Tokenizer:
        """The tokenizer a GGUF file's vocabulary describes (see :mod:`core.data.gguf_vocab`)."""
        if vocab.get("eos_id") is None:
            raise ValueError("the GGUF vocabulary names no end-of-sequence token")
        bos = vocab["bos_id"] if vocab.get("add_bos") else None
        return cls(gguf_vocab.build(vocab), vocab["eos_id"], bos)

    def files(self) -> dict[str, bytes]:
        """The files ``save`` writes, by name: the tokenizer's identity."""
        out = {"tokenizer.json": self._tok.to_str(pretty=True).encode()}
        if not self._own:
            out[SPECIALS] = (json.dumps({"eos_id": self.eos_id, "bos_id": self.bos_id}) + "\n").encode()
        return out

    @property
    def sha256(self) -> str:
        return digest_files(self.files())

    def save(self, path: str | Path) -> None:
        """Write the tokenizer at ``path`` (a file, or a folder that receives ``tokenizer.json``) and its
        special ids beside it."""
        path = Path(path)
        if path.is_dir() or not path.suffix:
            path = path / "tokenizer.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        files = self.files()
        path.write_bytes(files.pop("tokenizer.json"))
        for name, data in files.items():
            (path.parent / name).write_bytes(data)

    def save_hf(self, folder: str | Path, model_max_length: int) -> None:
        """``save`` plus a ``tokenizer_config.json`` so that ``transformers.AutoTokenizer`` loads the same
        tokenizer from ``folder`` with no custom code."""
        self.save(folder)
        config = {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": self.token(self.bos_id) if self.bos_id is not None else None,
            "eos_token": self.token(self.eos_id),
            "pad_token": self.token(self.pad_id),
            "model_max_length": model_max_length,
            "clean_up_tokenization_spaces": False,
        }
        (Path(folder) / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")

    @property
    def vocab_size(self) -> int:
        return self._tok.get_vocab_size()

    def encode(self, text: str) -> list[int]:
        return self._tok.encode(text, add_special_tokens=False).ids

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self._tok.encode_batch(texts, add_special_tokens=False)]

    def token(self, token_id: int) -> str:
        """The vocabulary entry of one id (e.g. ``<bos>``)."""
        return self._tok.id_to_token(token_id)

    def decode(self, ids: Iterable[int]) -> str:
        """Text of ``ids`` without padding and special tokens."""
        return self._tok.decode(
            [i for i in ids if i > 1] if self._own else list(ids), skip_special_tokens=True
        )


def _bos_convention(folder: Path, backend: HFTokenizer) -> int | None:
    """The id the tokenizer itself puts in front of every text, if any: what the model was trained with."""
    added = backend.encode("a", add_special_tokens=True).ids
    plain = backend.encode("a", add_special_tokens=False).ids
    if len(added) == len(plain) + 1 and added[1:] == plain:
        return added[0]
    tok_config = folder / "tokenizer_config.json"
    if tok_config.exists() and json.loads(tok_config.read_text()).get("add_bos_token"):
        return _special_id(folder, backend, "bos")
    return None


def _special_id(folder: Path, backend: HFTokenizer, key: str) -> int | None:
    config = json.loads((folder / "config.json").read_text()) if (folder / "config.json").exists() else {}
    value = config.get(f"{key}_token_id")
    if isinstance(value, list):
        value = value[0] if value else None
    if value is not None:
        return int(value)
    tok_config = folder / "tokenizer_config.json"
    token = json.loads(tok_config.read_text()).get(f"{key}_token") if tok_config.exists() else None
    if isinstance(token, dict):  # {"content": "<eos>", ...}
        token = token.get("content")
    return backend.token_to_id(token) if token else None
