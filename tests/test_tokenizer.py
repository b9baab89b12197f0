from core.data.features import encode_pair
from core.data.tokenizer import Tokenizer


def test_special_tokens_digits_and_round_trip(tmp_path):
    texts = ["What is 12 plus 30? The answer is 42.", "choice: A", "choice: B", "List 3 fruits."] * 50
    tok = Tokenizer.train(texts, vocab_size=300, min_frequency=1)
    assert tok.pad_id == 0 and tok.eos_id == 1
    ids = tok.encode("answer is 4210")
    assert tok.decode(ids) == "answer is 4210"
    digits = [tok.decode([i]) for i in tok.encode("4210")]
    assert digits == ["4", "2", "1", "0"]
    tok.save(tmp_path / "tok.json")
    assert Tokenizer.load(tmp_path / "tok.json").encode("choice: B") == tok.encode("choice: B")


def test_encode_pair_masks_only_target_labels_and_truncates():
    enc = encode_pair([5, 6, 7, 8], [9, 10], eos_id=1, max_input=3, max_target=8)
    assert enc.truncated
    # sequence = [6, 7, 8, 9, 10, 1]; inputs drop the last token, targets the first
    assert enc.inputs.tolist() == [6, 7, 8, 9, 10] and enc.targets.tolist() == [7, 8, 9, 10, 1]
    assert enc.target_mask.tolist() == [0, 0, 1, 1, 1]
    assert (enc.context_mask + enc.target_mask).tolist() == [1] * 5


def _long_pair():
    from core.data.schema import Record

    return Record(
        task="t",
        split="train",
        example_id="long-1",
        kind="pairwise",
        capability="quality",
        title="Which response is better?",
        description="Read both responses. Answer A or B.",
        context=(
            ("question", "Which animal is quick?"),
            ("response A", "The quick brown fox jumps over the lazy dog. " * 30 + "The fox is quick."),
            ("response B", "A lazy dog sleeps all day long. " * 8 + "The dog is not quick."),
        ),
        target=(("choice", "A"),),
        label_space=("A", "B"),
    )


def test_over_long_prompts_keep_the_task_and_lose_the_middle_of_the_longest_values():
    from core.data.features import ELLIPSIS, encode_record, fit_prompt
    from core.data.formats import render_inputs

    record = _long_pair()
    tok = Tokenizer.train([render_inputs(record)] * 20 + ["choice: A", "choice: B"] * 20, 400, 1)
    full = len(tok.encode(render_inputs(record)))
    assert fit_prompt(record, tok, full).removed == 0  # what fits is untouched
    budget = full // 2
    prompt = fit_prompt(record, tok, budget)
    text = tok.decode(prompt.ids)
    assert len(prompt.ids) <= budget and prompt.removed >= full - budget and not prompt.hard
    head, tail = text.split("CONTEXT:\n")
    instructions = render_inputs(record).split("CONTEXT:\n")[0]
    assert head == instructions
    lines = tail.split("\n")
    assert [line.split(":")[0] for line in lines[:3]] == ["question", "response A", "response B"]
    assert lines[0] == "question: Which animal is quick?" and lines[3] == "EVALUATION:"
    assert ELLIPSIS.strip() in lines[1] and lines[1].endswith("The fox is quick.")  # beginning and end kept
    assert lines[1].startswith("response A: The quick brown fox")
    enc = encode_record(record, tok, budget, 8)
    assert enc.truncated and enc.removed == prompt.removed
    assert tok.decode(enc.targets[enc.target_mask == 1]) == "choice: A"  # the label is never touched
    # a budget the instructions alone exceed: cut from the left, and said so
    tiny = fit_prompt(record, tok, 20)
    assert tiny.hard and len(tiny.ids) == 20
