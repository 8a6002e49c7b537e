#!/usr/bin/python3
"""Cross-check labelq's span agreement and consensus (quality/spans.h)
against independent implementations.

    /usr/bin/python3 crosscheck_spans.py path/to/labeltypes_driver

Texts mix multi-byte characters, runs of ASCII whitespace and the no-break
space (not a separator); spans are byte ranges, mostly on token
boundaries, some cutting into words, some adjacent.
- Tokens: re.finditer over the UTF-8 bytes, [^ \\t\\n\\v\\f\\r]+.
- BIO tags: written here from the rule in spans.h (a span tags every token
  it overlaps; the earlier span keeps a shared token).
- Span F1: NLTK's scores.f_measure on the sets of (start, end, label); it
  returns None when a set is empty, where ours is 1 (both empty) or 0.
- Token alpha: NLTK's AnnotationTask with binary_distance over
  (unit, token) items, ours undefined exactly when every pairable tag is
  the same.
- Voted spans: per-token majority written here, ties to O, then to any B
  tag before any I tag, then to the label first in the schema (the rule
  spans.h and docs/protocol.md state; annotations come in random order, so
  a rule that depended on it would show), then turned into spans by NLTK's
  chunk.util.conlltags2tree, which reads an I-X after O or after another
  type as a new chunk.
- Spans from tags: random tag sequences (any tag after any other) through
  lq_spans_from_tags against conlltags2tree.
- CoNLL lines: token<TAB>tag from the reference tags.
- Invalid annotations (overlapping spans, a span past the text's end) must
  make F1, alpha and vote fail with LQ_EBADREQ (-1).
Exit status 0 when everything agrees within 1e-9.
"""
import random
import re
import sys

from crosscheck_common import require

require("nltk")

from nltk.chunk.util import conlltags2tree
from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import binary_distance
from nltk.metrics.scores import f_measure
from nltk.tree import Tree

from crosscheck_common import Checker, main_driver, run_driver, value_of

TOL = 1e-9
NAMES = ["PER", "LOC", "MISC"]
WORD_CHARS = ["a", "b", "c", "d", "é", "日", "😀", "-", ".", "\u00a0"]
SPACES = [" ", "  ", "\t", "\n", " \r\n "]
EBADREQ = -1


def random_text(rng):
    words = ["".join(rng.choice(WORD_CHARS) for _ in range(rng.randint(1, 5)))
             for _ in range(rng.randint(0, 12))]
    text = ""
    for w in words:
        text += rng.choice(SPACES) + w if text or rng.random() < 0.3 else w
    if rng.random() < 0.3:
        text += rng.choice(SPACES)
    return text


def tokens(text):
    return [(m.start(), m.end()) for m in re.finditer(rb"[^ \t\n\v\f\r]+", text.encode())]


def random_spans(rng, text, n_labels):
    """Non-overlapping byte spans: mostly whole tokens or token runs, some
    cutting into words; adjacent ones allowed."""
    tok = tokens(text)
    length = len(text.encode())
    spans, pos = [], 0
    while tok and rng.random() < 0.8:
        first = rng.randrange(len(tok))
        last = min(len(tok) - 1, first + rng.choice([0, 0, 1, 2]))
        start, end = tok[first][0], tok[last][1]
        if rng.random() < 0.2:
            start = rng.randint(start, end - 1)
        if rng.random() < 0.2:
            end = rng.randint(start + 1, min(length, end + 2))
        if start >= pos:
            spans.append([start, end, rng.randrange(n_labels)])
            pos = end
        if pos >= length:
            break
    rng.shuffle(spans)
    return spans


def generate(rng, kind):
    n_units = rng.randint(1, 8)
    n_ann = rng.randint(1, 5)
    n_labels = rng.randint(1, 3)
    texts = [random_text(rng) for _ in range(n_units)]
    anns = []
    for u in range(n_units):
        base = random_spans(rng, texts[u], n_labels)
        for a in range(n_ann):
            if rng.random() < 0.2:
                continue
            spans = base if rng.random() < 0.5 else random_spans(rng, texts[u], n_labels)
            anns.append([u, a, spans])
    if kind == "invalid" and anns:
        bad = rng.choice(anns)
        length = len(texts[bad[0]].encode())
        bad[2] = bad[2] + ([[0, length + 1, 0]] if rng.random() < 0.5 or length < 2
                           else [[0, 2, 0], [1, length, 0]])
    rng.shuffle(anns)
    rebuild = [[rng.randrange(2 * n_labels + 1) for _ in range(rng.randint(0, 12))]
               for _ in range(5)]
    return dict(op="spans", n_units=n_units, n_annotators=n_ann, n_labels=n_labels, texts=texts,
                names=NAMES[:n_labels], annotations=anns, rebuild=rebuild)


def ref_tags(text, spans):
    tok = tokens(text)
    tags = [0] * len(tok)
    taken = [False] * len(tok)
    for s, e, l in sorted(map(tuple, spans)):
        first = True
        for t, (ts, te) in enumerate(tok):
            if ts < e and s < te and not taken[t]:
                tags[t] = 2 * l + 1 if first else 2 * l + 2
                taken[t] = True
                first = False
    return tags


def valid(text, spans, n_labels):
    s = sorted(map(tuple, spans))
    length = len(text.encode())
    return all(a < b <= length and 0 <= l < n_labels for a, b, l in s) and \
        all(s[i][0] >= s[i - 1][1] for i in range(1, len(s)))


def tag_string(tag, names):
    if tag == 0:
        return "O"
    return ("B-" if (tag - 1) % 2 == 0 else "I-") + names[(tag - 1) // 2]


def ref_f1(a, b):
    sa, sb = set(map(tuple, a)), set(map(tuple, b))
    if not sa and not sb:
        return 1.0
    if not sa or not sb:
        return 0.0
    return float(f_measure(sa, sb))


def chunks(tags):
    """(first token, last token, label) of each chunk conlltags2tree reads."""
    tree = conlltags2tree([(str(t), "X", tag_string(v, NAMES)) for t, v in enumerate(tags)])
    out = []
    for chunk in tree:
        if isinstance(chunk, Tree):
            idx = [int(w) for w, _ in chunk.leaves()]
            out.append((idx[0], idx[-1], NAMES.index(chunk.label())))
    return out


def tie_order(tag):
    """O first, then every B tag, then every I tag; by label within each."""
    if tag == 0:
        return (0, 0)
    return (1 if (tag - 1) % 2 == 0 else 2, (tag - 1) // 2)


def ref_vote(case):
    """Voted spans per unit, as [start, end, label, confidence]."""
    out = []
    for u, text in enumerate(case["texts"]):
        anns = [ref_tags(text, s) for uu, _, s in case["annotations"] if uu == u]
        tok = tokens(text)
        if not anns:
            out.append([])
            continue
        voted, share = [], []
        for t in range(len(tok)):
            col = [tags[t] for tags in anns]
            best = min(set(col), key=lambda x: (-col.count(x), tie_order(x)))
            voted.append(best)
            share.append(col.count(best) / len(col))
        spans = []
        for first, last, label in chunks(voted):
            conf = sum(share[first:last + 1]) / (last - first + 1)
            spans.append([tok[first][0], tok[last][1], label, conf])
        out.append(spans)
    return out


def check_case(ck, case, ours, where):
    texts, n_labels = case["texts"], case["n_labels"]
    anns = case["annotations"]
    all_valid = all(valid(texts[u], s, n_labels) for u, _, s in anns)
    for tags, res in zip(case["rebuild"], ours["rebuild"]):
        ref = [[2 * a, 2 * b + 1, l] for a, b, l in chunks(tags)]
        ck.same("spans from tags vs conlltags2tree", res["rc"] == 0 and res["value"] == ref, where,
                "%r: %r vs %r" % (tags, res, ref))
    for u, text in enumerate(texts):
        ck.same("tokens vs re", [tuple(t) for t in ours["tokens"][u]] == tokens(text), where)
    for (u, _, spans), tags, conll in zip(anns, ours["tags"], ours["conll"]):
        ok = valid(texts[u], spans, n_labels)
        ck.same("tags rejected iff the spans are invalid", (tags["rc"] == 0) == ok, where)
        if not ok:
            continue
        ref = ref_tags(texts[u], spans)
        ck.same("BIO tags vs reference", tags["value"] == ref, where,
                "%r %r: %r vs %r" % (texts[u], spans, tags["value"], ref))
        data = texts[u].encode()
        lines = "".join("%s\t%s\n" % (data[s:e].decode(), tag_string(t, NAMES))
                        for (s, e), t in zip(tokens(texts[u]), ref))
        ck.same("CoNLL lines vs reference", value_of(conll) == lines, where)
    if not all_valid:
        for what in ("f1", "alpha", "vote"):
            ck.same("%s rejects invalid spans" % what, ours[what]["rc"] == EBADREQ, where)
        return
    check_f1(ck, case, ours, where)
    check_alpha(ck, case, ours, where)
    check_vote(ck, case, ours, where)


def check_f1(ck, case, ours, where):
    pairs, total = 0, 0.0
    for u in range(case["n_units"]):
        anns = [s for uu, _, s in case["annotations"] if uu == u]
        f1s = [ref_f1(anns[i], anns[j]) for i in range(len(anns)) for j in range(i + 1, len(anns))]
        if f1s:
            ck.close("unit span F1 vs nltk f_measure", ours["f1"]["unit"][u], sum(f1s) / len(f1s),
                     where)
        elif ours["f1"]["rc"] == 0:
            ck.same("unit span F1 -1 below two annotations", ours["f1"]["unit"][u] == -1, where)
        pairs += len(f1s)
        total += sum(f1s)
    ck.same("span F1 defined iff some unit has two annotations", (ours["f1"]["rc"] == 0) == (pairs > 0),
            where)
    if pairs:
        ck.close("overall span F1 vs nltk f_measure", ours["f1"]["overall"], total / pairs, where)


def check_alpha(ck, case, ours, where):
    data, items = [], {}
    for u, a, spans in case["annotations"]:
        for t, tag in enumerate(ref_tags(case["texts"][u], spans)):
            data.append((a, "%d/%d" % (u, t), tag))
            items.setdefault((u, t), []).append(tag)
    pairable = {tag for tags in items.values() if len(tags) >= 2 for tag in tags}
    defined = len(pairable) >= 2
    mine = value_of(ours["alpha"])
    ck.same("token alpha defined iff pairable tags vary", (mine is not None) == defined, where)
    if mine is not None and defined:
        ck.close("token alpha vs nltk", mine, AnnotationTask(data=data, distance=binary_distance).alpha(),
                 where)


def check_vote(ck, case, ours, where):
    ref = ref_vote(case)
    mine = ours["vote"]["spans"]
    for u in range(case["n_units"]):
        ck.same("voted spans vs conlltags2tree", [s[:3] for s in mine[u]] == [s[:3] for s in ref[u]],
                where, "unit %d: %r vs %r" % (u, mine[u], ref[u]))
        if len(mine[u]) == len(ref[u]):
            ck.close_all("voted span confidence", [s[3] for s in mine[u]], [s[3] for s in ref[u]],
                         where)


def main():
    driver = main_driver()
    ck = Checker(TOL)
    cases, names = [], []
    for k, (kind, count) in enumerate((("plain", 200), ("invalid", 40))):
        for i in range(count):
            seed = 40000 + 1000 * k + i
            cases.append(generate(random.Random(seed), kind))
            names.append("%s seed %d" % (kind, seed))
    results = run_driver(driver, cases)
    for case, ours, where in zip(cases, results, names):
        check_case(ck, case, ours, where)
    return ck.report("spans: %d datasets" % len(cases))


if __name__ == "__main__":
    sys.exit(main())
