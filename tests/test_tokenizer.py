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
