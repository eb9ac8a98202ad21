"""Exercise checks: each ``check_<exercise>(learner_function)`` returns a one-line
:class:`~attnlab.checks.core.CheckResult`. Lesson modules live beside this file."""

from attnlab.checks.core import Case, CheckResult, run_check
from attnlab.checks.cross import check_cross_attention, check_decoder_masks, check_pattern_shapes
from attnlab.checks.embeddings import check_cosine_similarity, check_nearest_neighbours, check_spread
from attnlab.checks.gpt import (
    check_gpt_forward,
    check_greedy_generate,
    check_next_word_probabilities,
    check_residual_block,
)
from attnlab.checks.masking import check_causal_mask, check_masked_pattern, check_pattern_size
from attnlab.checks.multihead import check_head_entropy, check_multi_head, check_stack_value_ups
from attnlab.checks.own_gpt import check_block, check_gpt, check_multi_head_attention, check_train
from attnlab.checks.params import check_block_parameters, check_exact_parameters, check_weight_matrices
from attnlab.checks.relevance import check_picked_keys, check_scaled_scores, check_score_grid
from attnlab.checks.review import check_head_update
from attnlab.checks.scale import (
    check_block_update,
    check_cache_step,
    check_kv_cache_bytes,
    check_online_max_and_sum,
)
from attnlab.checks.softmax import (
    check_attention_pattern,
    check_softmax_with_temperature,
    check_stable_softmax,
)
from attnlab.checks.start import check_dot
from attnlab.checks.todays import check_repeat_kv, check_rope, check_sliding_window_mask
from attnlab.checks.value_map import check_update, check_value_map_counts, check_weighted_sum

__all__ = ["Case", "CheckResult", "run_check", "check_dot",
           "check_kv_cache_bytes", "check_online_max_and_sum", "check_block_update",
           "check_cache_step", "check_head_update",
           "check_stable_softmax", "check_softmax_with_temperature", "check_attention_pattern",
           "check_score_grid", "check_scaled_scores", "check_picked_keys",
           "check_cosine_similarity", "check_nearest_neighbours", "check_spread",
           "check_causal_mask", "check_masked_pattern", "check_pattern_size",
           "check_block_parameters", "check_weight_matrices", "check_exact_parameters",
           "check_weighted_sum", "check_update", "check_value_map_counts",
           "check_multi_head", "check_stack_value_ups", "check_head_entropy",
           "check_residual_block", "check_gpt_forward", "check_next_word_probabilities",
           "check_greedy_generate",
           "check_cross_attention", "check_pattern_shapes", "check_decoder_masks",
           "check_multi_head_attention", "check_block", "check_gpt", "check_train",
           "check_rope", "check_repeat_kv", "check_sliding_window_mask"]
