"""attnlab's GPT-2 runner equals transformers' GPT2LMHeadModel on checkpoints the tests build.

Every checkpoint is made here (tests/gpt2_checkpoints.py): random weights at odd sizes in GPT-2's
layout, saved by ``save_pretrained``, and a byte-level BPE tokenizer trained on a few sentences.
"""

import json
import shutil

import numpy as np
import pytest
import torch
from gpt2_checkpoints import SIZES, build

from attnlab.attention import scaled_dot_product_attention, softmax
from attnlab.models import hub
from attnlab.models.gpt2 import load_gpt2, read_config
from attnlab.params import count_parameters

pytest.importorskip("transformers")

TEXTS = ["The cat watched the wizard.", "a", "Café owners in Zürich don't open — ever!  ",
         "queries keys values queries keys values"]
TOLERANCE = 1e-5


@pytest.fixture(scope="module", params=sorted(SIZES))
def pair(request, tmp_path_factory):
    """(our model in float64, transformers' model in float64, sizes name)."""
    folder = tmp_path_factory.mktemp(request.param)
    ref = build(folder, SIZES[request.param], seed=len(request.param))
    return load_gpt2(folder, dtype=np.float64), ref, request.param


def ids_of(model, text):
    """The token ids of ``text``, cut to the model's context (the short test models read ~20 tokens)."""
    return model._tokenizer.encode(text).ids[:model.config.max_tokens]


def reference(ref, ids):
    with torch.no_grad():
        out = ref(torch.tensor([ids]), output_attentions=True, output_hidden_states=True)
    return (out.logits[0].numpy(), torch.stack(out.attentions)[:, 0].numpy(),
            torch.stack(out.hidden_states)[:, 0].numpy())


def test_equals_gpt2lmheadmodel(pair, capsys):
    model, ref, name = pair
    worst = {"logits": 0.0, "attention": 0.0, "hidden_states": 0.0}
    for text in TEXTS:
        ids = ids_of(model, text)
        logits, attention, hidden = reference(ref, ids)
        ours = model.forward(ids)
        assert ours.logits.shape == logits.shape == (len(ids), model.config.vocab_size)
        assert ours.attention.shape == attention.shape
        assert ours.hidden_states.shape == hidden.shape == (model.config.n_layers + 1, len(ids),
                                                            model.config.d_model)
        for key, theirs in (("logits", logits), ("attention", attention), ("hidden_states", hidden)):
            worst[key] = max(worst[key], float(np.abs(getattr(ours, key) - theirs).max()))
    with capsys.disabled():
        print(f"\n{name}: max |Δ| vs GPT2LMHeadModel (float64): " +
              ", ".join(f"{k} {v:.1e}" for k, v in worst.items()))
    assert max(worst.values()) < TOLERANCE
    assert np.abs(logits).max() > 1.0  # the comparison is not between two near-zero arrays


def test_float32_as_stored(tmp_path, capsys):
    """As the checkpoint stores it (float32), against transformers in float32."""
    ref = build(tmp_path, SIZES["odd"]).float()
    model = load_gpt2(tmp_path)
    ids = ids_of(model, TEXTS[0])
    with torch.no_grad():
        logits = ref(torch.tensor([ids])).logits[0].numpy()
    assert model.logits(ids).dtype == np.float32
    delta = float(np.abs(model.logits(ids) - logits).max())
    with capsys.disabled():
        print(f"\nfloat32: max |Δ| logits {delta:.1e} (|logits| up to {np.abs(logits).max():.1f})")
    assert delta < 1e-4


def test_body_only_layout(tmp_path):
    """The hub's gpt2 file has GPT2Model's names (``h.0.attn…``, no ``transformer.``, no lm_head)."""
    body = build(tmp_path, SIZES["odd"], body_only=True)
    model = load_gpt2(tmp_path, dtype=np.float64)
    ids = ids_of(model, TEXTS[0])
    with torch.no_grad():
        hidden = body(torch.tensor([ids])).last_hidden_state[0].numpy()
    np.testing.assert_allclose(model.hidden_states(ids)[-1], hidden, atol=TOLERANCE)
    np.testing.assert_allclose(model.logits(ids), hidden @ body.wte.weight.detach().numpy().T, atol=TOLERANCE)


def test_an_untied_unembedding_is_used_and_counted(good, tmp_path):
    from safetensors.numpy import load_file, save_file

    folder = copy(good, tmp_path)
    weights = load_file(str(folder / "model.safetensors"))
    wte = weights.get("transformer.wte.weight", weights.get("wte.weight"))
    tied = load_gpt2(folder)
    save_file(weights | {"lm_head.weight": 2 * wte}, str(folder / "model.safetensors"))
    untied = load_gpt2(folder)
    ids = [3, 4, 5]
    np.testing.assert_allclose(untied.logits(ids), 2 * tied.logits(ids), rtol=1e-5)
    assert untied.n_parameters == tied.n_parameters + wte.size


def test_causal(pair):
    model, _, _ = pair
    ids = ids_of(model, TEXTS[3])
    changed = ids[:-1] + [(ids[-1] + 1) % model.config.vocab_size]
    np.testing.assert_array_equal(model.logits(ids)[:-1], model.logits(changed)[:-1])
    assert not np.allclose(model.logits(ids)[-1], model.logits(changed)[-1])
    att = model.attention(ids)
    assert np.all(np.triu(att, k=1) == 0)
    np.testing.assert_allclose(att.sum(-1), 1.0, atol=1e-12)


def test_heads_in_the_course_vocabulary(pair):
    """W_Q, W_K, W_V_down (H, C, D) and W_V_up (H, D, C) cut from c_attn and c_proj give each head's
    pattern and change, recomputed here by hand; the stacked W_O is W_V_up's row blocks."""
    model, ref, _ = pair
    c = model.config
    H, C, D = c.n_heads, c.d_model, c.d_head
    ids = ids_of(model, TEXTS[0])
    layer = c.n_layers - 1
    m = {name: getattr(model, name)(layer) for name in ("W_Q", "W_K", "W_V_down", "W_V_up", "W_O",
                                                          "b_Q", "b_K", "b_V", "b_O")}
    assert m["W_Q"].shape == m["W_K"].shape == m["W_V_down"].shape == (H, C, D)
    assert m["W_V_up"].shape == (H, D, C) and m["W_O"].shape == (H * D, C)
    fused = model.layer(layer).W_QKV
    assert fused.shape == (C, 3 * H * D)
    np.testing.assert_array_equal(np.concatenate(list(m["W_V_up"])), m["W_O"])
    np.testing.assert_array_equal(m["W_O"], ref.transformer.h[layer].attn.c_proj.weight.detach().numpy())
    for third, name in enumerate(("W_Q", "W_K", "W_V_down")):  # side by side: the thirds of c_attn
        side_by_side = np.concatenate(list(m[name]), axis=1)  # (C, H·D)
        np.testing.assert_array_equal(side_by_side, fused[:, third * C:(third + 1) * C])
    captured = {}
    block = ref.transformer.h[layer]
    hooks = [block.ln_1.register_forward_hook(lambda mod, i, o: captured.update(x=o[0].numpy())),
             block.attn.register_forward_hook(lambda mod, i, o: captured.update(out=o[0][0].numpy()))]
    attention = reference(ref, ids)[1][layer]
    for hook in hooks:
        hook.remove()
    x, T = captured["x"], len(ids)
    change = np.zeros((T, C))
    for h in range(H):
        q, k = x @ m["W_Q"][h] + m["b_Q"][h], x @ m["W_K"][h] + m["b_K"][h]
        scores = np.where(np.tril(np.ones((T, T), bool)), q @ k.T / np.sqrt(D), -np.inf)
        pattern = softmax(scores)
        np.testing.assert_allclose(pattern, attention[h], atol=TOLERANCE)
        change += pattern @ (x @ m["W_V_down"][h] + m["b_V"][h]) @ m["W_V_up"][h]
    np.testing.assert_allclose(change + m["b_O"], captured["out"], atol=TOLERANCE)


def test_a_learners_attention_plugs_in(pair):
    model, _, _ = pair
    ids = ids_of(model, TEXTS[0])
    calls = []

    def mine(q, k, v, mask):
        calls.append(q.shape)
        return scaled_dot_product_attention(q, k, v, mask)

    np.testing.assert_array_equal(model.run(ids, attend=mine).logits, model.logits(ids))
    assert len(calls) == model.config.n_layers

    def no_mask(q, k, v, mask):
        return scaled_dot_product_attention(q, k, v)

    assert not np.allclose(model.run(ids, attend=no_mask).logits[0], model.logits(ids)[0])


def test_a_layer_level_runner_plugs_in(pair):
    """What attnlab.yours does with MiniLM: override the attention hook with a function of the
    per-head maps, ``heads(x, W_Q, W_K, W_V_down, W_V_up, b_Q, b_K, b_V, causal)`` → (change, patterns)."""
    from attnlab.models.gpt2 import GPT2

    def heads(x, W_Q, W_K, W_V_down, W_V_up, b_Q, b_K, b_V, causal):
        outs, patterns = [], []
        for h in range(len(W_Q)):
            q, k, v = x @ W_Q[h] + b_Q[h], x @ W_K[h] + b_K[h], x @ W_V_down[h] + b_V[h]
            scores = np.where(np.tri(len(x), dtype=bool), q @ k.T / np.sqrt(q.shape[-1]), -np.inf)
            patterns.append(softmax(scores))
            outs.append(patterns[-1] @ v @ W_V_up[h])
        return np.sum(outs, axis=0), np.stack(patterns)

    class Mine(GPT2):
        def _attention(self, x, w, attend, off):
            change, patterns = heads(x, w.W_Q, w.W_K, w.W_V_down, w.W_V_up, w.b_Q, w.b_K, w.b_V, True)
            return change + w.b_O, patterns

    model, _, _ = pair
    mine = object.__new__(Mine)
    mine.__dict__.update(model.__dict__)
    ids = ids_of(model, TEXTS[0])
    ours = mine.run(ids)
    np.testing.assert_allclose(ours.logits, model.logits(ids), atol=1e-10)
    np.testing.assert_allclose(ours.attention, model.attention(ids), atol=1e-12)


def test_generation_equals_transformers_greedy(pair):
    model, ref, _ = pair
    ids = model.token_ids("The cat")
    n = min(6, model.config.max_tokens - len(ids))
    with torch.no_grad():
        expected = ref.generate(torch.tensor([ids]), max_new_tokens=n, do_sample=False, min_new_tokens=n,
                                pad_token_id=0)[0].tolist()
    assert model.continue_text("The cat", n) == model.decode(expected)
    words = model.next_words("The cat", k=4)
    probs = torch.softmax(torch.tensor(reference(ref, ids)[0][-1]), -1).numpy()
    assert [p for _, p in words] == sorted((p for _, p in words), reverse=True)
    np.testing.assert_allclose(words[0][1], probs.max(), atol=1e-9)
    assert model.next_word("The cat") == words[0][0]


def test_tokens(pair):
    model, _, _ = pair
    for text in ("The cat watched the wizard.", "Café — ever!  ", "a"):
        assert "".join(model.pieces(text)) == text
        assert model.decode(model.token_ids(text)) == text
        assert len(model.tokens(text)) == len(model.token_ids(text))
    assert model.tokens(" the")[0].startswith("Ġ")  # byte-level BPE marks the space


def test_parameter_count_from_config(pair):
    model, ref, _ = pair
    counted = count_parameters(model.config.model_config(), "exact")["total"]
    assert model.n_parameters == counted == sum(p.numel() for p in ref.parameters())


def test_gpt2_small_count_from_its_config():
    """transformers' default GPT2Config is GPT-2 small: counted from the config alone, it is the
    124,439,808 floats of GPT2LMHeadModel (built on the meta device: no memory)."""
    from transformers import GPT2Config, GPT2LMHeadModel

    config = GPT2Config()
    with torch.device("meta"):
        n_torch = sum(p.numel() for p in GPT2LMHeadModel(config).parameters())
    counted = count_parameters(read_config(config.to_dict()).model_config(), "exact")["total"]
    assert counted == n_torch == 124_439_808


def test_the_random_checkpoint_has_gpt2_smalls_shape():
    """The bench's random checkpoint (attnlab.models.gpt2_random) is GPT-2 small by default."""
    from transformers import GPT2Config

    from attnlab.models.gpt2_random import GPT2_SMALL, gpt2_config_json

    ours, theirs = read_config(gpt2_config_json(**GPT2_SMALL)), read_config(GPT2Config().to_dict())
    assert ours == theirs


def test_inputs_refused_clearly(pair):
    model, _, _ = pair
    with pytest.raises(ValueError, match="string"):
        model.tokens(3)
    with pytest.raises(ValueError, match="empty"):
        model.forward("")
    with pytest.raises(ValueError, match=f"at most {model.config.max_tokens}"):
        model.forward("the cat " * 100)
    with pytest.raises(ValueError, match="token id"):
        model.forward([model.config.vocab_size])
    with pytest.raises(ValueError, match="layer"):
        model.W_Q(model.config.n_layers)
    with pytest.raises(ValueError, match="read-only"):
        model.forward([1, 2]).logits[0, 0] = 1.0


# --- bad folders ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    folder = tmp_path_factory.mktemp("good")
    build(folder, SIZES["one_head"])
    return folder


def copy(good, tmp_path):
    shutil.copytree(good, tmp_path / "ckpt")
    return tmp_path / "ckpt"


@pytest.mark.parametrize("missing", hub.FILES)
def test_missing_file_is_named(good, tmp_path, missing):
    folder = copy(good, tmp_path)
    (folder / missing).unlink()
    with pytest.raises(FileNotFoundError, match=f"lacks {missing}"):
        load_gpt2(folder)


def test_not_a_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a folder"):
        load_gpt2(tmp_path / "nowhere")


def test_a_bert_checkpoint_is_refused():
    """The shipped MiniLM has all three files — but it is BERT."""
    from attnlab.models.pretrained import model_folder

    with pytest.raises(ValueError, match="'bert' checkpoint, not GPT-2"):
        load_gpt2(model_folder())


def test_wrong_layout(good, tmp_path):
    from safetensors.numpy import load_file, save_file

    folder = copy(good, tmp_path)
    weights = load_file(str(folder / "model.safetensors"))
    renamed = {k.replace("c_attn", "qkv"): v for k, v in weights.items()}
    save_file(renamed, str(folder / "model.safetensors"))
    with pytest.raises(ValueError, match=r"not in GPT-2's layout.*c_attn"):
        load_gpt2(folder)
    cfg = json.loads((folder / "config.json").read_text())
    save_file(weights, str(folder / "model.safetensors"))
    (folder / "config.json").write_text(json.dumps(cfg | {"n_embd": 2 * cfg["n_embd"]}))
    with pytest.raises(ValueError, match="wte.weight has shape"):
        load_gpt2(folder)
    (folder / "config.json").write_text(json.dumps({k: v for k, v in cfg.items() if k != "n_head"}))
    with pytest.raises(ValueError, match="lacks n_head"):
        load_gpt2(folder)
    (folder / "config.json").write_text(json.dumps(cfg | {"n_head": 2}))
    with pytest.raises(ValueError, match="not divisible by n_head"):
        load_gpt2(folder)


@pytest.mark.parametrize("broken", hub.FILES)
def test_a_broken_file_is_named(good, tmp_path, broken):
    """A download cut off half-way, or some other file under the right name."""
    folder = copy(good, tmp_path)
    data = (folder / broken).read_bytes()
    (folder / broken).write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match=f"{broken} could not be read as"):
        load_gpt2(folder)
    (folder / "config.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="holds a list, not a config"):
        load_gpt2(folder)


def test_runs_on_numpy_alone(good):
    """No transformers, no torch: a fresh Python loads the checkpoint and runs it with NumPy."""
    import subprocess
    import sys

    probe = ("import sys; from attnlab.models.gpt2 import load_gpt2; "
             f"m = load_gpt2({str(good)!r}); m.logits('The cat'); m.continue_text('a', 2); "
             "print(sorted({n.split('.')[0] for n in sys.modules} & {'torch', 'transformers'}))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_no_folder_and_nothing_fetched(tmp_path, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(hub, "PRETRAINED_DIR", tmp_path / "course")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf"))
    with pytest.raises(FileNotFoundError, match=r"run `attnlab-fetch distilgpt2`") as error:
        load_gpt2(name="distilgpt2")
    assert "\n" not in str(error.value)
    with pytest.raises(ValueError, match="name must be one of"):
        load_gpt2(name="gpt-5")
