"""A ``tokenizers`` backend rebuilt from the vocabulary stored in a GGUF file (see core.modeling.gguf).

GGUF keeps the tokens, their types and either merges (byte-level BPE, GPT-2 style) or per-token scores
(SentencePiece style) but no ``tokenizer.json``. Two kinds are rebuilt:

- ``llama`` (SentencePiece BPE, as Gemma): spaces become ``▁``, unknown bytes fall back to ``<0xNN>`` tokens,
  and the merges, which the file does not list, are recovered from the vocabulary: every split of a token
  into two tokens is a merge, earlier tokens first (their order in the file is the merge order; their
  scores are not), and for one token the split with the longest left part first.
- ``gpt2`` (byte-level BPE, as SmolLM2): tokens are spelled in GPT-2's byte alphabet, merges come from the
  file, and the text is split before merging the way the file's ``pre`` type says (``smollm`` isolates
  every digit, as llama.cpp and the original tokenizer do).

Control tokens (type 3) become special added tokens and user-defined ones (type 4, e.g. runs of newlines)
plain added tokens, so both are matched whole. A BOS is prepended only when the file says so
(``add_bos_token``), through the post-processor: that is each model's own convention.
"""

from __future__ import annotations

from tokenizers import AddedToken, Tokenizer, decoders, normalizers, pre_tokenizers, processors
from tokenizers.models import BPE

CONTROL, USER_DEFINED = 3, 4
PRE_TOKENIZERS = ("default", "gpt2", "smollm")


def _byte_alphabet() -> dict[int, str]:
    """GPT-2's printable spelling of every byte (bytes that are printable keep their character)."""
    keep = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    spelling, extra = {}, 0
    for b in range(256):
        if b in keep:
            spelling[b] = chr(b)
        else:
            spelling[b] = chr(256 + extra)
            extra += 1
    return spelling


def _sentencepiece_merges(tokens: list[str], vocab: dict[str, int]) -> list[tuple[str, str]]:
    merges = []
    for token in tokens:
        for cut in range(len(token) - 1, 0, -1):
            left, right = token[:cut], token[cut:]
            if left in vocab and right in vocab:
                merges.append((left, right))
    return merges


def _sentencepiece(vocab_info: dict) -> Tokenizer:
    tokens = ["▁" * len(t) if t and not t.strip(" ") else t for t in vocab_info["tokens"]]
    vocab = {t: i for i, t in enumerate(tokens)}
    unk = vocab_info.get("unknown_id")
    model = BPE(
        vocab=vocab,
        merges=_sentencepiece_merges(tokens, vocab),
        unk_token=tokens[unk] if unk is not None else None,
        fuse_unk=True,
        byte_fallback=True,
    )
    tok = Tokenizer(model)
    tok.normalizer = normalizers.Replace(" ", "▁")
    tok.pre_tokenizer = pre_tokenizers.Split(" ", behavior="merged_with_previous")
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()])
    return tok


def _byte_level(vocab_info: dict) -> Tokenizer:
    pre = vocab_info.get("pre", "default")
    if pre not in PRE_TOKENIZERS:
        raise ValueError(
            f"GGUF pre-tokenizer {pre!r} is not supported (supported: {', '.join(PRE_TOKENIZERS)})"
        )
    if "merges" not in vocab_info:
        raise ValueError("a byte-level (gpt2) GGUF vocabulary needs tokenizer.ggml.merges")
    alphabet = _byte_alphabet()
    spelled = set(alphabet.values())
    tokens = [
        t if set(t) <= spelled else "".join(alphabet[b] for b in t.encode()) for t in vocab_info["tokens"]
    ]
    merges = [tuple(m.split(" ")) for m in vocab_info["merges"]]
    tok = Tokenizer(BPE(vocab={t: i for i, t in enumerate(tokens)}, merges=merges))
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    digits = [pre_tokenizers.Digits(individual_digits=True)] if pre == "smollm" else []
    tok.pre_tokenizer = pre_tokenizers.Sequence([*digits, byte_level])
    tok.decoder = decoders.ByteLevel()
    return tok


def build(vocab_info: dict) -> Tokenizer:
    """The tokenizer a GGUF vocabulary describes (``vocab_info`` as read by core.modeling.gguf)."""
    kind = vocab_info.get("model")
    builders = {"llama": _sentencepiece, "gpt2": _byte_level}
    if kind not in builders:
        raise ValueError(f"GGUF tokenizer model {kind!r} is not supported (supported: {', '.join(builders)})")
    tok = builders[kind](vocab_info)
    tokens, types = vocab_info["tokens"], vocab_info["token_types"]
    vocab = tok.get_vocab()
    tok.add_special_tokens(
        [AddedToken(t, normalized=False, special=True) for t, ty in zip(tokens, types) if ty == CONTROL]
    )
    tok.add_tokens(
        [
            AddedToken(t, normalized=False, special=False)
            for t, ty in zip(tokens, types)
            if ty == USER_DEFINED and t in vocab
        ]
    )
    bos = vocab_info.get("bos_id")
    if vocab_info.get("add_bos") and bos is not None:
        tok.post_processor = processors.TemplateProcessing(
            single=f"{tokens[bos]} $A",
            pair=f"{tokens[bos]} $A {tokens[bos]} $B",
            special_tokens=[(tokens[bos], bos)],
        )
    return tok
