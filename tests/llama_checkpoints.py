"""A tiny Llama GGUF the tests write with ``gguf`` (the weights cache's and the views' tests)."""

from __future__ import annotations

import numpy as np

H, G, C, D, M, V, L = 6, 2, 24, 4, 17, 9, 2
TOKENS = ["a", "b", "c", "Ġ", "ab", "Ġa", "<|im_start|>", "<|im_end|>", "c"]


def write_gguf(path, seed=0, context=32):
    """A two-layer Llama GGUF (float32 tensors, a byte-level vocabulary of 9) at ``path``."""
    from gguf import GGUFWriter

    rng = np.random.default_rng(seed)
    w = GGUFWriter(str(path), "llama")
    for add, value in [(w.add_block_count, L), (w.add_embedding_length, C), (w.add_head_count, H),
                       (w.add_head_count_kv, G), (w.add_rope_dimension_count, D),
                       (w.add_feed_forward_length, M), (w.add_vocab_size, V), (w.add_context_length, context),
                       (w.add_layer_norm_rms_eps, 1e-5), (w.add_rope_freq_base, 777.0)]:
        add(value)
    w.add_tokenizer_model("gpt2")
    w.add_token_list(TOKENS[:-1] + ["bc"])
    w.add_token_merges(["a b", "Ġ a"])
    w.add_token_types([1] * 6 + [3, 3, 1])
    w.add_chat_template("{% for m in messages %}<|im_start|>{{ m['content'] }}<|im_end|>{% endfor %}")
    shapes = {"token_embd.weight": (V, C), "output_norm.weight": (C,)}
    for i in range(L):
        shapes |= {f"blk.{i}.attn_q.weight": (H * D, C), f"blk.{i}.attn_k.weight": (G * D, C),
                   f"blk.{i}.attn_v.weight": (G * D, C), f"blk.{i}.attn_output.weight": (C, H * D),
                   f"blk.{i}.attn_norm.weight": (C,), f"blk.{i}.ffn_norm.weight": (C,),
                   f"blk.{i}.ffn_gate.weight": (M, C), f"blk.{i}.ffn_up.weight": (M, C),
                   f"blk.{i}.ffn_down.weight": (C, M)}
    for name, shape in shapes.items():
        w.add_tensor(name, rng.normal(0, 0.5, size=shape).astype(np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path
