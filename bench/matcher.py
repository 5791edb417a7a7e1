"""The free-text matcher: held-out accuracy, a confusion summary per category, and speed.

    .venv/bin/python -m bench.matcher [--every 5] [--offset 0] [--all-folds] [--compare]
                                      [--errors] [--seconds 2]

The labelled set is `services/data/ticket_phrases.csv` (the copy of the canonical
`tests/data/ticket_phrases.csv`). The split is the one the test uses: every `every`-th row of
each label, from its `offset`-th, is held out; the model is trained on the rest.

  --all-folds  repeat for every offset (k-fold cross-validation) and print each fold's figures
               with the mean, min and max, to show how much a single split's number varies;
  --compare    the same features and rules under multinomial Naive Bayes and an averaged
               perceptron (argmax, no "none" threshold), the alternatives the matcher was
               measured against;
  --errors     list every misclassified held-out phrase.

Speed is classifications per second of the held-out phrases (cycled for --seconds) with the
trained model, the time to train it, and one 4,000-character message. Figures only: the exit
status is 0 unless the bench itself broke.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence

from services import matcher
from services.matcher import Model, Row, held_out_split, label_of, train

Predict = Callable[[str], str]  # text → joint label ("repair:plumbing", "none")


def predicted_label(model: Model) -> Predict:
    """The matcher's answer as a joint label."""

    def predict(text: str) -> str:
        match = model.classify(text)
        return label_of(match.kind, match.category)

    return predict


def kind_of(label: str) -> str:
    return matcher.split_label(label)[0]


def score(predict: Predict, rows: Sequence[Row]) -> tuple[float, float, list[tuple[Row, str]]]:
    """(kind accuracy, kind+category accuracy, [(row, predicted label)])."""
    results = [(row, predict(row.text)) for row in rows]
    kind_ok = sum(kind_of(got) == row.kind for row, got in results)
    both_ok = sum(got == row.label for row, got in results)
    return kind_ok / len(rows), both_ok / len(rows), results


def print_confusion(results: Sequence[tuple[Row, str]]) -> None:
    """A kind × kind matrix, then recall, precision and the usual mistakes per label."""
    kinds = matcher.KINDS
    matrix: Counter[tuple[str, str]] = Counter((row.kind, kind_of(got)) for row, got in results)
    print("\nkind confusion (rows: labelled, columns: predicted)")
    print(f"  {'':<10}" + "".join(f"{k:>11}" for k in kinds))
    for gold in kinds:
        print(f"  {gold:<10}" + "".join(f"{matrix[gold, got]:>11}" for got in kinds))

    gold_n: Counter[str] = Counter(row.label for row, _ in results)
    got_n: Counter[str] = Counter(got for _, got in results)
    hits: Counter[str] = Counter(row.label for row, got in results if got == row.label)
    wrong: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for row, got in results:
        if got != row.label:
            wrong[row.label][got] += 1
    print(f"\n  {'label':<28}{'n':>4}{'recall':>8}{'prec.':>8}  mistaken for")
    for label in sorted(gold_n, key=lambda lab: (kind_of(lab), lab)):
        recall = hits[label] / gold_n[label]
        precision = hits[label] / got_n[label] if got_n[label] else math.nan
        mistakes = ", ".join(f"{lab} ×{n}" for lab, n in wrong[label].most_common(3))
        line = f"  {label:<28}{gold_n[label]:>4}{recall:>8.0%}{precision:>8.0%}  {mistakes}"
        print(line.rstrip())


def naive_bayes(rows: Sequence[Row], alpha: float = 0.3) -> Predict:
    """Multinomial NB on the matcher's features (once per message), uniform priors, + rules."""
    counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        counts[row.label].update(matcher.features(row.text))
    labels = sorted(counts)
    vocabulary = set().union(*counts.values())
    totals = {lab: math.log(sum(counts[lab].values()) + alpha * len(vocabulary)) for lab in labels}

    def predict(text: str) -> str:
        norm = matcher.normalise(text)
        offsets = matcher.rule_offsets(norm, labels)  # the same rules as the matcher
        scores = dict(zip(labels, offsets, strict=True))
        for feat in matcher.features(text) & vocabulary:
            for lab in labels:
                scores[lab] += math.log(counts[lab][feat] + alpha) - totals[lab]
        return max(labels, key=scores.__getitem__)

    return predict


def averaged_perceptron(rows: Sequence[Row], epochs: int = 15, seed: int = 0) -> Predict:
    """An averaged perceptron on the matcher's features, with the rules as fixed offsets."""
    labels = sorted({row.label for row in rows})
    samples = [
        (
            matcher.features(row.text),
            matcher.rule_offsets(matcher.normalise(row.text), labels),
            row.label,
        )
        for row in rows
    ]
    weights: defaultdict[tuple[str, str], float] = defaultdict(float)
    totals: defaultdict[tuple[str, str], float] = defaultdict(float)
    stamp: defaultdict[tuple[str, str], int] = defaultdict(int)
    step = 0

    def scores(
        feats: frozenset[str], offsets: Sequence[float], w: Mapping[tuple[str, str], float]
    ) -> dict[str, float]:
        result = dict(zip(labels, offsets, strict=True))
        for lab in labels:
            result[lab] += sum(w.get((f, lab), 0.0) for f in feats)
        return result

    order = random.Random(seed)
    for _ in range(epochs):
        order.shuffle(samples)
        for feats, offsets, gold in samples:
            step += 1
            current = scores(feats, offsets, weights)
            guess = max(labels, key=current.__getitem__)
            if guess == gold:
                continue
            for feat in feats:
                for lab, delta in ((gold, 1.0), (guess, -1.0)):
                    key = (feat, lab)
                    totals[key] += (step - stamp[key]) * weights[key]
                    stamp[key] = step
                    weights[key] += delta
    step += 1
    averaged = {
        key: (totals[key] + (step - stamp[key]) * value) / step for key, value in weights.items()
    }

    def predict(text: str) -> str:
        offsets = matcher.rule_offsets(matcher.normalise(text), labels)
        current = scores(matcher.features(text), offsets, averaged)
        return max(labels, key=current.__getitem__)

    return predict


def speed(model: Model, texts: Sequence[str], seconds: float) -> float:
    """Classifications per second, cycling through `texts`."""
    done = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for text in texts:
            model.classify(text)
        done += len(texts)
    return done / (time.perf_counter() - start)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.matcher", description=__doc__)
    parser.add_argument("--every", type=int, default=5, help="hold out one row in N per label")
    parser.add_argument("--offset", type=int, default=0, help="which of the N (0‥N-1)")
    parser.add_argument("--all-folds", action="store_true", help="every offset, with the spread")
    parser.add_argument("--compare", action="store_true", help="also Naive Bayes, perceptron")
    parser.add_argument("--errors", action="store_true", help="list the misclassified phrases")
    parser.add_argument("--seconds", type=float, default=2.0, help="how long to time classify")
    args = parser.parse_args(argv)

    rows = matcher.load_default_rows()
    zh = sum(row.lang == "zh" for row in rows)
    print(f"labelled phrases: {len(rows)} ({zh / len(rows):.0%} Chinese), {args.every}-way split")

    offsets = range(args.every) if args.all_folds else [args.offset]
    figures: defaultdict[str, list[tuple[float, float]]] = defaultdict(list)
    first: tuple[Model, list[Row]] | None = None
    for offset in offsets:
        kept, held = held_out_split(rows, every=args.every, offset=offset)
        started = time.perf_counter()
        model = train(kept)
        trained_in = time.perf_counter() - started
        kind_acc, both_acc, results = score(predicted_label(model), held)
        figures["matcher"].append((kind_acc, both_acc))
        print(
            f"\nfold {offset}: matcher held-out accuracy: kind {kind_acc:.1%}, "
            f"kind+category {both_acc:.1%} (n={len(held)}, trained on {len(kept)} "
            f"in {trained_in:.2f} s)"
        )
        if args.compare:
            for name, build in (("naive bayes", naive_bayes), ("perceptron", averaged_perceptron)):
                k, b, _ = score(build(kept), held)
                figures[name].append((k, b))
                print(f"        {name:<12} kind {k:.1%}, kind+category {b:.1%}")
        if first is None:
            print_confusion(results)
            first = (model, held)
        if args.errors:
            print("\n  misclassified:")
            for row, got in results:
                if got != row.label:
                    print(f"    {row.label:<27} → {got:<27} {row.text}")

    if args.all_folds:
        print(f"\nacross {args.every} folds (kind+category):")
        for name, values in figures.items():
            both = [b for _, b in values]
            kind = [k for k, _ in values]
            print(
                f"  {name:<12} mean {statistics.mean(both):.1%} "
                f"(min {min(both):.1%}, max {max(both):.1%}); kind {statistics.mean(kind):.1%}"
            )

    assert first is not None
    model, held = first
    texts = [row.text for row in held]
    per_second = speed(model, texts, args.seconds)
    long_text = ("楼上天天半夜装修吵死了，物业也不管，电梯也坏了。" * 200)[:4000]
    started = time.perf_counter()
    model.classify(long_text)
    long_ms = (time.perf_counter() - started) * 1000
    print(
        f"\nspeed: {per_second:,.0f} classifications/s (held-out phrases, one thread); "
        f"a 4,000-character message: {long_ms:.1f} ms"
    )


if __name__ == "__main__":
    main()
