"""One LightGBM model that scores every action in one call: the per-action value models, merged.

The per-action models stay the source of truth (training, TreeSHAP for what is shown); this merge only
removes per-call overhead when ranking. Trees of action k become class k of a multiclass model (tree
``i * K + k``), whose raw score per class is exactly the sum of that action's trees. The merge is checked
against the per-action predictions when it is built, so a format change in LightGBM fails loudly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import lightgbm as lgb
import numpy as np

__all__ = ["merge_value_models"]

_EMPTY_TREE = ("num_leaves=1\nnum_cat=0\nsplit_feature=\nsplit_gain=\nthreshold=\ndecision_type=\nleft_child=\n"
               "right_child=\nleaf_value=0\nleaf_weight=0\nleaf_count=0\ninternal_value=\ninternal_weight=\n"
               "internal_count=\nis_linear=0\nshrinkage=1\n\n\n")


def _split(text: str) -> tuple[str, list[str]]:
    """(header, tree blocks) of a LightGBM text model."""
    head, _, rest = text.partition("\nTree=0\n")
    body = rest.split("end of trees", 1)[0]
    parts = re.split(r"\nTree=\d+\n", "\n" + body)
    return head, [p.strip("\n") + "\n\n\n" for p in parts if p.strip()]


def merge_value_models(models: Sequence[lgb.Booster], check: np.ndarray | None = None) -> lgb.Booster:
    """A multiclass booster whose raw score column k equals ``models[k].predict``.

    ``check`` (rows of features) verifies the merge; raises ValueError when it does not reproduce the models.
    """
    heads, blocks = zip(*(_split(m.model_to_string()) for m in models), strict=True)
    k, iterations = len(models), max(len(b) for b in blocks)
    head = re.sub(r"^tree_sizes=.*\n", "", heads[0], flags=re.M)
    head = head.replace("num_class=1\n", f"num_class={k}\n").replace(
        "num_tree_per_iteration=1\n", f"num_tree_per_iteration={k}\n")
    head = re.sub(r"^objective=.*$", f"objective=multiclass num_class:{k}", head, flags=re.M)
    out = [head.rstrip("\n") + "\n\n"]
    for i in range(iterations):
        for c in range(k):
            tree = blocks[c][i] if i < len(blocks[c]) else _EMPTY_TREE
            out.append(f"Tree={i * k + c}\n{tree}")
    out.append("end of trees\n\nfeature_importances:\n\nparameters:\nend of parameters\n\npandas_categorical:null\n")
    merged = lgb.Booster(model_str="".join(out))
    if check is not None:
        expected = np.column_stack([m.predict(check) for m in models])
        if not np.allclose(merged.predict(check, raw_score=True), expected, atol=1e-9):
            raise ValueError("merged value models do not reproduce the per-action predictions")
    return merged
