"""The model: softmax regression over the joint labels, trained by seeded SGD, with the
rules' offsets added to its scores (steps 3–5 of "How it works")."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from services.matcher.labels import NONE_LABEL, Match, Row, split_label
from services.matcher.rules import RULES, urgent_category
from services.matcher.text import features_of_normalised, normalise

DEFAULT_THRESHOLD = 0.5
DEFAULT_EPOCHS = 15
_BIAS = "bias"
_MIN_GRADIENT = 1e-4


def rule_offsets(norm: str, labels: Sequence[str]) -> list[float]:
    """The rules' fixed additions to each label's log score."""
    offsets = [0.0] * len(labels)
    for pattern, label, weight in RULES:
        if label in labels and pattern.search(norm):
            offsets[labels.index(label)] += weight
    return offsets


def _softmax(scores: Sequence[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


@dataclass(frozen=True, slots=True, eq=False)
class Model:
    """Softmax-regression weights over joint labels, plus the rule offsets and threshold."""

    labels: tuple[str, ...]
    weights: Mapping[str, tuple[float, ...]] = field(repr=False)
    threshold: float = DEFAULT_THRESHOLD
    use_rules: bool = True

    def label_scores(self, text: str) -> dict[str, float]:
        """Posterior probability of every joint label (sums to 1)."""
        return self._posterior(normalise(text))

    def classify(self, text: str) -> Match:
        """The flow and category to offer for this message, or kind "none"."""
        norm = normalise(text)
        posterior = self._posterior(norm)
        urgent = urgent_category(norm)
        by_kind: dict[str, float] = {}
        for label, p in posterior.items():
            kind_of_label = split_label(label)[0]
            by_kind[kind_of_label] = by_kind.get(kind_of_label, 0.0) + p
        kind, p_kind = max(
            ((k, p) for k, p in by_kind.items() if k != NONE_LABEL),
            key=lambda kp: kp[1],
            default=(NONE_LABEL, 0.0),
        )
        if p_kind < self.threshold:
            if urgent is None:
                return Match(NONE_LABEL, None, round(1.0 - p_kind, 4))
            # "着火了!": never let an emergency fall through as small talk.
            return Match("repair", urgent, round(p_kind, 4), urgent_hint=True)
        best = max(
            (label for label in posterior if split_label(label)[0] == kind),
            key=posterior.__getitem__,
        )
        return Match(kind, split_label(best)[1], round(p_kind, 4), urgent is not None)

    def _posterior(self, norm: str) -> dict[str, float]:
        labels = self.labels
        scores = rule_offsets(norm, labels) if self.use_rules else [0.0] * len(labels)
        evidence = any(scores)
        for feat in features_of_normalised(norm):
            row = self.weights.get(feat)
            if row is not None:
                evidence = True
                for i, w in enumerate(row):
                    scores[i] += w
        if not evidence:  # nothing we have seen before: not a flow
            return {label: float(label == NONE_LABEL) for label in labels}
        bias = self.weights.get(_BIAS)
        if bias is not None:
            scores = [s + b for s, b in zip(scores, bias, strict=True)]
        return dict(zip(labels, _softmax(scores), strict=True))


def train(
    rows: Iterable[Row],
    *,
    epochs: int = DEFAULT_EPOCHS,
    learning_rate: float = 0.5,
    l2: float = 1e-3,
    seed: int = 0,
    threshold: float = DEFAULT_THRESHOLD,
    use_rules: bool = True,
) -> Model:
    """Fit softmax regression by seeded SGD (deterministic for the same rows and arguments)."""
    rows = list(rows)
    if not rows:
        raise ValueError("no training rows")
    labels = tuple(sorted({row.label for row in rows}))
    n_labels = len(labels)
    index: dict[str, int] = {}
    samples = []
    for row in rows:
        norm = normalise(row.text)
        feats = [*sorted(features_of_normalised(norm)), _BIAS]
        ids = [index.setdefault(f, len(index)) for f in feats]
        offsets = rule_offsets(norm, labels) if use_rules else [0.0] * n_labels
        samples.append((ids, offsets, labels.index(row.label)))
    weights = [[0.0] * n_labels for _ in index]
    order = random.Random(seed)
    for epoch in range(epochs):
        order.shuffle(samples)
        rate = learning_rate / (1.0 + 0.1 * epoch)
        for ids, offsets, gold in samples:
            columns = zip(offsets, *(weights[i] for i in ids), strict=True)
            probs = _softmax([sum(column) for column in columns])
            probs[gold] -= 1.0
            # Labels the model already rules out contribute nothing worth the time.
            step = [(j, rate * g) for j, g in enumerate(probs) if abs(g) > _MIN_GRADIENT]
            for i in ids:
                vector = weights[i]
                for j, g in step:
                    vector[j] -= g
        shrink = 1.0 - rate * l2  # L2 regularisation, once per epoch
        weights = [[w * shrink for w in vector] for vector in weights]
    table = {feat: tuple(weights[i]) for feat, i in index.items()}
    return Model(labels, MappingProxyType(table), threshold, use_rules)
