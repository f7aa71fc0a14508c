"""Public real-data sets for the robot (issue #16), and the learned baseline on them.

`prepare DATA OUT` turns public sets, as published, into the files `kefu robot eval` reads:
OUT/<set>/kb.jsonl (from the set's training split) and OUT/<set>/queries.jsonl (its dev
split). One intent in five (every fifth in name order) is left out of the knowledge base, so
its questions must be handed off; so must out-of-scope questions. Test splits are never
read. The data stays where it is (it is not the project's): pass its directory.

  clinc150   CLINC150 (English): data_full*.json, train → KB, val + oos_val → queries
  smp2017    SMP2017-ECDT task 1 (Chinese, 31 domains): train.json → KB, dev.json →
             queries; "chat" (small talk) is out of scope
  afqmc      AFQMC (Chinese payment customer service, question pairs): every distinct
             first question of the split is a one-question entry; second questions are
             the queries, expecting that entry when the pair means the same, a hand-off
             when it is a near-miss. `afqmc-train` from train.tsv (for development),
             `afqmc` from dev.tsv.

`baseline OUT/<set>` trains a LinearSVC on character 1–3-gram TF-IDF (scikit-learn defaults,
C = 0.5) on the same kb.jsonl and prints one JSON line with the same figures as the robot's
eval: top-1 on answerable questions, and, answering only above a margin, the coverage at
90 % answer precision with its hand-off recall.
"""

import json
import os
import sys
import time

LEAVE_OUT_EVERY = 5


def left_out(intents):
    names = sorted(intents)
    return {n for i, n in enumerate(names) if i % LEAVE_OUT_EVERY == LEAVE_OUT_EVERY - 1}


def slug(text):
    out = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in text)
    return out[:64] or "x"


def entries_from(examples):
    """examples: {intent: [text, …]} → KB lines (one entry per intent, deduplicated)."""
    lines = []
    for intent in sorted(examples):
        seen, texts = set(), []
        for t in examples[intent]:
            t = t.strip().lstrip("\ufeff")
            if t and t not in seen and len(t) <= 200:
                seen.add(t)
                texts.append(t)
        if not texts:
            continue
        lines.append({
            "id": slug(intent),
            "question": texts[0],
            "similar": texts[1:],
            "answer": f"[{intent}]",
        })
    return lines


def write(out, name, kb, queries):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "kb.jsonl"), "w") as f:
        for e in kb:
            f.write(json.dumps(e, ensure_ascii=False) + "\n")
    with open(os.path.join(d, "queries.jsonl"), "w") as f:
        for text, expect in queries:
            f.write(json.dumps({"text": text, "expect": expect}, ensure_ascii=False) + "\n")
    answerable = sum(1 for _, e in queries if e is not None)
    examples = sum(1 + len(e["similar"]) for e in kb)
    print(f"{name}: {len(kb)} entries ({examples} questions), {len(queries)} queries "
          f"({answerable} answerable)")


def intent_set(train, dev, out_of_scope, name, out):
    """train/dev: [(text, intent)]; out_of_scope: intents that are never in the KB."""
    intents = {i for _, i in train if i not in out_of_scope}
    gone = left_out(intents)
    examples = {}
    for text, intent in train:
        if intent in intents and intent not in gone:
            examples.setdefault(intent, []).append(text)
    kb = entries_from(examples)
    ids = {slug(i) for i in examples}
    queries = []
    for text, intent in dev:
        text = text.strip().lstrip("\ufeff")
        if not text or len(text) > 200:
            continue
        expect = slug(intent) if slug(intent) in ids else None
        queries.append((text, expect))
    write(out, name, kb, queries)


def clinc(data, out):
    d = os.path.join(data, "clinc150")
    path = next(os.path.join(d, f) for f in sorted(os.listdir(d)) if f.startswith("data_full"))
    sets = json.load(open(path))
    dev = [tuple(x) for x in sets["val"]] + [tuple(x) for x in sets["oos_val"]]
    intent_set([tuple(x) for x in sets["train"]], dev, {"oos"}, "clinc150", out)


def smp2017(data, out):
    d = os.path.join(data, "smp2017_ecdt_task1")
    train = [(x["text"], x["domain"]) for x in json.load(open(os.path.join(d, "train.json")))]
    dev = [(x["text"], x["domain"]) for x in json.load(open(os.path.join(d, "dev.json")))]
    intent_set(train, dev, {"chat"}, "smp2017", out)


def afqmc(data, out, split, name):
    pairs = []
    with open(os.path.join(data, "afqmc", f"{split}.tsv")) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3:
                pairs.append((parts[0].strip(), parts[1].strip(), parts[2].strip() == "1"))
    ids, kb = {}, []
    for first, _, _ in pairs:
        if first and first not in ids and len(first) <= 200:
            ids[first] = f"q{len(ids)}"
            kb.append({"id": ids[first], "question": first, "similar": [],
                       "answer": f"[{first}]"})
    queries = []
    for first, second, same in pairs:
        if first in ids and second and len(second) <= 200 and second not in ids:
            queries.append((second, ids[first] if same else None))
    write(out, name, kb, queries)


def prepare(data, out):
    clinc(data, out)
    smp2017(data, out)
    afqmc(data, out, "train", "afqmc-train")
    afqmc(data, out, "dev", "afqmc")


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def baseline(d, precision=0.9):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    kb = read_jsonl(os.path.join(d, "kb.jsonl"))
    queries = read_jsonl(os.path.join(d, "queries.jsonl"))
    texts, labels = [], []
    for e in kb:
        for t in [e["question"]] + e.get("similar", []):
            texts.append(t)
            labels.append(e["id"])
    started = time.perf_counter()
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3))
    x = vectorizer.fit_transform(texts)
    model = LinearSVC(C=0.5)
    model.fit(x, labels)
    build_ms = (time.perf_counter() - started) * 1000
    scores = model.decision_function(vectorizer.transform([q["text"] for q in queries]))
    if scores.ndim == 1:  # two classes
        import numpy as np
        scores = np.stack([-scores, scores], axis=1)
    best = scores.argmax(axis=1)
    margin = scores.max(axis=1)
    classes = model.classes_
    outcomes = []  # (confidence, right, answerable)
    top1 = 0
    for q, b, m in zip(queries, best, margin):
        right = classes[b] == q["expect"]
        top1 += int(right)
        outcomes.append((float(m), right, q["expect"] is not None))
    print(json.dumps(summarise(outcomes, top1, precision) | {"build_ms": round(build_ms)}))


def summarise(outcomes, top1, precision):
    """Answering at or above each confidence, best first: the largest coverage whose answer
    precision is at least `precision`, with the hand-off recall there."""
    labelled = sum(1 for o in outcomes if o[2])
    nulls = len(outcomes) - labelled
    outcomes = sorted(outcomes, key=lambda o: -o[0])
    answered = right = covered = best_cov = 0
    best = (0.0, 1.0, float("inf"))
    for i, (conf, ok, answerable) in enumerate(outcomes):
        answered += 1
        right += int(ok and answerable)
        covered += int(answerable)
        nxt = outcomes[i + 1][0] if i + 1 < len(outcomes) else None
        if nxt == conf:
            continue  # a threshold cannot split equal confidences
        if right / answered >= precision and covered / labelled > best_cov:
            best_cov = covered / labelled
            held = nulls - (answered - covered)
            best = (best_cov, held / nulls if nulls else 1.0, conf)
    return {
        "queries": len(outcomes),
        "labelled": labelled,
        "top1_accuracy": top1 / labelled if labelled else 0.0,
        f"coverage_at_{round(precision * 100)}": best[0],
        "handoff_recall_there": best[1],
        "threshold": best[2] if best[2] != float("inf") else None,
    }


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "baseline":
        baseline(sys.argv[2])
    else:
        sys.exit(__doc__)
