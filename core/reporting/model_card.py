"""The model card (``README.md``) of an exported judge: where its weights come from and under which license,
what it was trained on, the prompt it expects (one worked example), what this repository measured, and how
to judge with it. Rendered from the model folder's own records, never typed by hand."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _license_header(base: Mapping[str, Any] | None) -> tuple[str, str]:
    """(front-matter license id, one readable sentence)."""
    if base is None:
        return "apache-2.0", (
            "Trained from a random initialisation by this repository: no third-party weights; the code and "
            "the weights are Apache-2.0."
        )
    terms = base.get("license") or "unknown"
    origin = base.get("origin") or base.get("folder")
    shipped = (
        f" The license text is included as `{base['license_file']}`." if base.get("license_file") else ""
    )
    package = f" (package `{base['package']}` {base.get('package_version')})" if base.get("package") else ""
    spdx = "apache-2.0" if terms.lower().startswith("apache") else "other"
    return spdx, f"Fine-tuned from **{origin}**{package}, released under **{terms}**.{shipped}"


def _metrics_table(metrics: Mapping[str, Mapping[str, Any]]) -> list[str]:
    if not metrics:
        return ["No evaluation of this model was found beside it (run `dvc repro` to measure it)."]
    lines = [
        "| suite | overall | examples | order consistency | sections / subsets |",
        "|---|---|---|---|---|",
    ]
    for suite, m in sorted(metrics.items()):
        sections = {k: m[k] for k in ("chat", "chat_hard", "safety", "reasoning") if k in m}  # RewardBench
        parts = sections or m.get("subsets") or {}
        detail = ", ".join(f"{k} {v:.3f}" for k, v in sorted(parts.items()) if isinstance(v, (int, float)))
        consistency = m.get("order_consistency")
        lines.append(
            f"| {suite} | {m['overall']:.3f} | {m.get('n_examples', '')} | "
            f"{'' if consistency is None else f'{consistency:.3f}'} | {detail} |"
        )
    return lines


def render_card(
    name: str,
    meta: Mapping[str, Any],
    hf_config: Mapping[str, Any],
    metrics: Mapping[str, Mapping[str, Any]],
    example_prompt: str,
    example_target: str,
    bos: str | None,
) -> str:
    """The card of the judge ``name``; ``meta`` is its folder's ``meta.json``, ``metrics`` its evaluations
    by suite, ``example_prompt`` / ``example_target`` one request rendered in the training format."""
    base = meta.get("base_checkpoint")
    spdx, license_line = _license_header(base)
    train, data = meta.get("train") or {}, meta.get("data") or {}
    base_model = f"base_model: {base['origin'].split(' ')[0]}\n" if base and base.get("origin") else ""
    steps = meta.get("step")
    training = [
        f"- mixture `{meta.get('mixture', 'unknown')}` (sha256 `{meta.get('mixture_sha', 'unknown')}`)",
        f"- {steps} steps"
        + (f" x batch {train['batch_size']}" if "batch_size" in train else "")
        + (f", lr {train['lr']:g} ({train.get('schedule', '')})" if "lr" in train else "")
        + (f", {meta['examples_seen']:,} examples seen" if "examples_seen" in meta else ""),
        f"- context: prompts up to {data.get('max_input_tokens', '?')} tokens, answers up to "
        f"{data.get('max_target_tokens', '?')}; loss on the answer tokens only",
        f"- architecture `{hf_config['model_type']}`: {hf_config['num_hidden_layers']} layers, d_model "
        f"{hf_config['hidden_size']}, vocabulary {hf_config['vocab_size']:,}",
        f"- code: commit `{meta.get('git_commit', 'unknown')}` of this repository",
    ]
    bos_note = (
        f"The tokenizer prepends `{bos}` (`add_special_tokens=True`), as the model was trained."
        if bos
        else "No begin-of-sequence token is prepended: the model was trained without one."
    )
    return "\n".join(
        [
            "---",
            f"license: {spdx}",
            "library_name: transformers",
            base_model + "tags: [flame, autorater, llm-judge, reward-model]",
            "---",
            f"# FLAMe judge `{name}`",
            "",
            "An autorater in the style of FLAMe (Vu et al. 2024): a language model trained on human-judgment tasks "
            "cast into one text-to-text format, to judge other models' outputs. Exported by "
            "`python -m experiments.export_hf`; `transformers` loads it with no custom code.",
            "",
            "## Base checkpoint and license",
            license_line,
            "",
            "## Training",
            *training,
            "",
            "## Prompt format",
            "Every request is rendered as below; the judge's answer is the next line, `field: value`. "
            + bos_note,
            "",
            "```text",
            example_prompt.rstrip("\n"),
            "```",
            "Expected answer (the label the judge should rank first):",
            "```text",
            example_target,
            "```",
            "",
            "## Measured by this repository",
            *_metrics_table(metrics),
            "",
            "Pairwise suites are judged in both A/B orders (mean accuracy; order consistency is how often both "
            "orders agree). These are the numbers of the run that produced this model, not of the paper.",
            "",
            "## How to judge with it",
            "With this repository (validated JSON Lines requests, both orders, resumable output):",
            "```bash",
            f"flame-judge --model {name} --input requests.jsonl --output judged.jsonl",
            "```",
            "With `transformers` alone, rank the allowed answers by log-likelihood:",
            "```python",
            "import torch",
            "from transformers import AutoModelForCausalLM, AutoTokenizer",
            "",
            'model = AutoModelForCausalLM.from_pretrained("<this folder>").eval()',
            'tok = AutoTokenizer.from_pretrained("<this folder>")',
            'prompt = "..."  # rendered as in the example above, ending with "EVALUATION:\\n"',
            "",
            "def loglik(answer):  # prompt and answer are tokenized apart, as in training",
            "    p = tok(prompt).input_ids",
            "    a = tok(answer, add_special_tokens=False).input_ids",
            "    with torch.no_grad():",
            "        logp = model(torch.tensor([p + a])).logits.log_softmax(-1)[0, len(p) - 1 : -1]",
            "    return logp.gather(-1, torch.tensor(a)[:, None]).sum().item()",
            "",
            'print(max(["choice: A", "choice: B"], key=loglik))',
            "```",
            "",
        ]
    )
