"""One edit of the course's code that gives the learner's answers (attnlab.checks.mutants, .mutations):
each with a wrong function no catalogue lists, which only the edit names — and the guards."""

import ast
import inspect
import textwrap

import numpy as np
import torch

from attnlab import checks
from attnlab.attention import softmax
from attnlab.checks import mutants, mutations


def test_a_max_over_another_axis_is_named_as_that_edit():
    def stable_softmax(scores):  # the max of each column, the sum of each row
        e = np.exp(scores - np.max(scores, axis=0, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    result = checks.check_stable_softmax(stable_softmax)
    text = repr(result)
    assert not result.passed and "one edit" in text and "axis=0" in text and "np.max" in text, text


def test_one_name_for_another_is_named():
    def multi_head(x, W_Q, W_K, W_V_down, W_V_up):  # keys made with the query map
        out = np.zeros_like(x)
        for h in range(len(W_Q)):
            q, k = x @ W_Q[h], x @ W_Q[h]
            out += softmax(q @ k.T / np.sqrt(q.shape[-1])) @ (x @ W_V_down[h]) @ W_V_up[h]
        return out
    line = checks.check_multi_head(multi_head).line
    assert "one edit" in line and "W_Q where W_K belongs" in line, line


def test_an_edit_is_not_named_on_nan_alone():
    """Subtracting the minimum is right wherever it gives numbers; only a masked score makes it NaN —
    which an edit of another line (x // t on whole scores) gives too: NaN is no evidence."""
    def stable_softmax(scores):
        e = np.exp(scores - np.min(scores, axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    result = checks.check_stable_softmax(stable_softmax)
    assert not result.passed and "one edit" not in repr(result), repr(result)


def test_the_course_code_is_itself_again_after_the_search():
    code = softmax.__code__
    checks.check_stable_softmax(lambda s: np.exp2(s - s.max(-1, keepdims=True))
                                / np.exp2(s - s.max(-1, keepdims=True)).sum(-1, keepdims=True))
    assert softmax.__code__ is code and np.allclose(softmax(np.array([0.0, np.log(3)])), [0.25, 0.75])


def test_edits_read_in_the_expression_around_them():
    def f(q, k):
        if q.ndim != 2:
            raise ValueError("q must be 2-D")
        return q @ k.T / np.sqrt(q.shape[-1])
    said = [says for says, _ in mutations.edits(ast.parse(textwrap.dedent(inspect.getsource(f))).body[0])]
    assert "`np.sqrt(q.shape[-1])` → `np.sqrt(q.shape[0])` (index 0, not -1)" in said, said
    assert any("without sqrt" in s for s in said) and any("not transposed" in s for s in said), said
    assert not any("ndim" in s for s in said), said  # the guard that raises is left alone


def test_an_edit_must_agree_on_every_case():
    answers = [(np.array([1.0, 2.0]), (np.array([1.0, 2.0]),), np.array([2.0, 4.0])),
               (np.array([9.0]), (np.array([3.0]),), np.array([6.0]))]

    def twice(x):
        return x * 2
    twice.__module__ = "attnlab.example"
    assert "one edit" not in mutants.explain(twice, answers, lambda a, b: None if np.allclose(a, b) else "no")
    assert "one edit" in mutants.explain(twice, answers[:1], lambda a, b: None if np.allclose(a, b) else "no")


def test_a_block_part_for_its_sibling_is_named():
    def gpt_forward(model, idx):  # ln_1 before every MLP too
        x = model.tok_emb(idx) + model.pos_emb(torch.arange(idx.shape[1]))
        for block in model.blocks:
            x = x + block.attn(block.ln_1(x))
            x = x + block.mlp(block.ln_1(x))
        return model.unembed(model.ln_f(x))
    line = checks.check_gpt_forward(gpt_forward).line
    assert "one edit" in line and "ln_1 where ln_2 belongs" in line, line


def test_positions_from_another_axis_are_named_in_their_expression():
    def gpt_forward(model, idx):  # as many positions as rows in the batch
        x = model.tok_emb(idx) + model.pos_emb(torch.arange(idx.shape[0]))
        for block in model.blocks:
            x = x + block.attn(block.ln_1(x))
            x = x + block.mlp(block.ln_2(x))
        return model.unembed(model.ln_f(x))
    # lesson 09's catalogue now names this slip itself; the edit search, asked directly, finds it too
    from attnlab.checks.gpt_parts import compare_tensors, gpt_logits, random_gpt

    model, idx = random_gpt(), torch.tensor([[1, 2, 3, 4, 5]])  # one row: the wrong positions broadcast
    with torch.no_grad():
        answers = [(gpt_forward(model, idx), (model, idx), gpt_logits(model, idx))]
    said = mutants.explain(gpt_logits, answers, compare_tensors)
    assert "`idx.shape[1]` → `idx.shape[0]`" in said, said
    assert "idx.shape[0]" in checks.check_gpt_forward(gpt_forward).line  # and the check's line names it


def test_a_term_of_a_sum_left_out_says_so():
    said = [says for says, _ in mutations.edits(ast.parse("def f(x, g):\n    return x + g(x)\n").body[0])]
    assert any(s.startswith("`x + g(x)` → `g(x)` (without the x +: it replaces the sum by one of its terms")
               for s in said), said
