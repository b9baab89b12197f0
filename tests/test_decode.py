import jax
import numpy as np
import pytest
from flax import nnx

from core.modeling import Decoder, preset
from core.modeling.decode import greedy_generate
from core.modeling.decoder import KVCache

jax.config.update("jax_default_matmul_precision", "highest")


@pytest.fixture(
    scope="module", params=[{}, {"scan_layers": True}, {"attn_chunk": 4}], ids=["loop", "scan", "chunked"]
)
def model(request):
    return Decoder(preset("test", 97, **request.param), nnx.Rngs(params=3))


PROMPTS = [[5, 9, 11, 2, 40, 41, 7], [3, 3, 8], [60, 12, 13, 14, 15]]


def test_cached_decoding_equals_recomputing_the_prefix(model):
    cached = greedy_generate(model, PROMPTS, max_new_tokens=12)
    full = greedy_generate(model, PROMPTS, max_new_tokens=12, use_cache=False)
    assert cached == full
    assert all(len(row) == 12 for row in cached)


def test_a_padded_prompt_decodes_as_it_would_alone(model):
    batched = greedy_generate(model, PROMPTS, max_new_tokens=8)
    for prompt, row in zip(PROMPTS, batched):
        assert greedy_generate(model, [prompt], max_new_tokens=8) == [row]


def test_cache_logits_match_the_full_forward(model):
    prompt = np.asarray([PROMPTS[0]], np.int32)
    cache = KVCache.init(model.cfg, 1, 10)
    n = prompt.shape[1]
    logits, cache = model.decode_step(prompt, np.arange(n)[None], np.ones((1, n), bool), cache)
    np.testing.assert_allclose(logits, model(prompt), atol=1e-5)
    nxt = np.asarray([[17]], np.int32)
    step_logits, cache = model.decode_step(nxt, np.asarray([[n]]), np.ones((1, 1), bool), cache)
    full = model(np.concatenate([prompt, nxt], axis=1))
    np.testing.assert_allclose(step_logits[:, -1], full[:, -1], atol=1e-5)
    assert int(cache.index) == n + 1


def test_generation_stops_at_eos(model):
    free = greedy_generate(model, PROMPTS[:1], max_new_tokens=6)[0]
    eos = free[2]
    stopped = greedy_generate(model, PROMPTS[:1], max_new_tokens=6, eos_id=eos)[0]
    assert stopped == free[: free.index(eos) + 1]
    with pytest.raises(ValueError, match="at least one token"):
        greedy_generate(model, [[]], max_new_tokens=2)
