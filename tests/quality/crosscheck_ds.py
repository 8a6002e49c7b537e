#!/usr/bin/python3
"""Cross-check labelq's Dawid-Skene EM and majority vote against an
independent implementation.

    /usr/bin/python3 crosscheck_ds.py path/to/ds_driver [--cases N] [--seed S]

The reference below is written from Dawid and Skene (1979) with dense numpy
tensors (counts N[unit, annotator, label]), not from the C code. It follows
the same conventions, stated in quality/dawid_skene.c:

- init: T = each unit's vote shares (repeated ratings count);
- M-step: pi_k = (sum_u T[u,k] + s) / (units rated + K s);
  theta[a,k,l] = (sum_u T[u,k] N[u,a,l] + s) / (sum_u T[u,k] sum_l N[u,a,l] + K s);
- E-step: log T[u,k] = log pi_k + sum_{a,l} N[u,a,l] log theta[a,k,l],
  normalized (log-sum-exp); a unit without ratings gets pi;
- one M-step and E-step from the init, then sweeps (M-step, E-step) until the
  largest absolute change of any prior or confusion cell is below the
  tolerance (converged) or max_iterations sweeps ran;
- label: lowest index within 1e-12 of the best posterior (tie when another
  is too); no label (null) for a unit without ratings;
- accuracy[a] = sum_k pi_k theta[a,k,k], -1 for an annotator without ratings.

Random datasets cover 1-6 labels, annotators with one rating or none, units
without ratings and repeated ratings. Exit status 0 when every posterior,
prior and confusion cell agrees within 1e-6 and labels and iteration counts
match; prints the largest differences seen.
"""
import json
import subprocess
import sys

from crosscheck_common import require

require("numpy")

import numpy as np

TOL = 1e-6
TIE = 1e-12


def dense_counts(n_units, n_annot, n_labels, ratings):
    n = np.zeros((n_units, n_annot, n_labels))
    for u, a, l in ratings:
        n[u, a, l] += 1
    return n


def pick(post, rated):
    labels, ties, conf = [], [], []
    for u in range(post.shape[0]):
        if not rated[u]:
            labels.append(None), ties.append(False), conf.append(0.0)
            continue
        near = np.flatnonzero(post[u] >= post[u].max() - TIE)
        labels.append(int(near[0])), ties.append(len(near) > 1)
        conf.append(float(post[u, near[0]]))
    return labels, ties, conf


def majority(n):
    votes = n.sum(axis=1)                       # [unit, label]
    total = votes.sum(axis=1)
    rated = total > 0
    k_n = n.shape[2]
    shares = np.zeros_like(votes)
    shares[rated] = votes[rated] / total[rated, None]
    labels = [int(np.argmax(votes[u])) if rated[u] else None for u in range(n.shape[0])]
    ties = [bool(rated[u] and (votes[u] == votes[u].max()).sum() > 1) for u in range(n.shape[0])]
    priors = np.full(k_n, 1.0 / k_n)
    if rated.any():
        priors = np.bincount([l for l in labels if l is not None], minlength=k_n) / rated.sum()
    shares[~rated] = priors
    per_annot = n.sum(axis=(0, 2))
    acc = np.full(n.shape[1], -1.0)
    for a in range(n.shape[1]):
        if per_annot[a]:
            agree = sum(n[u, a, labels[u]] for u in range(n.shape[0]) if rated[u])
            acc[a] = agree / per_annot[a]
    conf = [float(shares[u, labels[u]]) if rated[u] else 0.0 for u in range(n.shape[0])]
    return dict(label=labels, tie=ties, confidence=conf, posterior=shares, priors=priors,
                accuracy=acc, rated=rated)


def m_step(n, post, rated, s):
    k_n = n.shape[2]
    pi = (post[rated].sum(axis=0) + s) / (rated.sum() + k_n * s)
    expected = np.einsum('uk,ual->akl', post, n)
    theta = (expected + s) / (expected.sum(axis=2, keepdims=True) + k_n * s)
    return pi, theta


def e_step(n, pi, theta, rated):
    log_t = np.log(pi)[None, :] + np.einsum('ual,akl->uk', n, np.log(theta))
    log_t -= log_t.max(axis=1, keepdims=True)
    post = np.exp(log_t)
    post /= post.sum(axis=1, keepdims=True)
    post[~rated] = pi
    return post


def dawid_skene(n, max_iter, tol, s):
    mv = majority(n)
    rated = mv['rated']
    pi, theta = m_step(n, mv['posterior'], rated, s)
    post = e_step(n, pi, theta, rated)
    iterations, converged = 0, False
    while iterations < max_iter and not converged:
        new_pi, new_theta = m_step(n, post, rated, s)
        delta = max(np.abs(new_pi - pi).max(), np.abs(new_theta - theta).max())
        pi, theta = new_pi, new_theta
        post = e_step(n, pi, theta, rated)
        iterations += 1
        converged = delta < tol
    labels, ties, conf = pick(post, rated)
    per_annot = n.sum(axis=(0, 2))
    acc = np.where(per_annot > 0, np.einsum('k,akk->a', pi, theta), -1.0)
    return dict(label=labels, tie=ties, confidence=conf, posterior=post, priors=pi,
                confusion=theta, accuracy=acc, iterations=iterations, converged=converged)


def random_case(rng):
    k_n = int(rng.integers(1, 7))
    n_units = int(rng.integers(1, 120))
    n_annot = int(rng.integers(1, 15))
    skill = rng.uniform(0.3, 0.95, n_annot)
    prior = rng.dirichlet(np.ones(k_n))
    truth = rng.choice(k_n, size=n_units, p=prior)
    ratings = []
    for u in range(n_units):
        if rng.random() < 0.05:
            continue                            # a unit nobody rated
        for _ in range(int(rng.integers(1, 7))):
            a = int(rng.integers(n_annot))
            if a == n_annot - 1 and n_annot > 2 and rng.random() < 0.9:
                continue                        # a very sparse annotator
            lab = truth[u] if rng.random() < skill[a] else int(rng.integers(k_n))
            ratings.append((u, a, int(lab)))
            if rng.random() < 0.1:
                ratings.append((u, a, int(lab)))  # a repeated rating
    if n_annot > 3 and rng.random() < 0.5:
        ratings = [r for r in ratings if r[1] != 0]  # an annotator with no ratings
    rng.shuffle(ratings)
    opts = dict(max_iter=int(rng.choice([0, 1, 5, 50, 200])),
                tol=float(rng.choice([0.0, 1e-4, 1e-6, 1e-9])),
                s=float(rng.choice([0.01, 0.1, 1.0])))
    return n_units, n_annot, k_n, [tuple(map(int, r)) for r in ratings], opts


def run_driver(driver, n_units, n_annot, k_n, ratings, args):
    text = '%d %d %d\n' % (n_units, n_annot, k_n)
    text += ''.join('%d %d %d\n' % r for r in ratings)
    out = subprocess.run([driver] + args, input=text.encode(), capture_output=True,
                         check=True)
    return json.loads(out.stdout)


class Diff:
    def __init__(self):
        self.worst = {}
        self.failures = []

    def close(self, case, what, ours, ref):
        ours, ref = np.asarray(ours, dtype=float), np.asarray(ref, dtype=float)
        if ours.shape != ref.shape:
            self.failures.append('%s: %s shape %s vs %s' % (case, what, ours.shape, ref.shape))
            return
        d = float(np.abs(ours - ref).max()) if ours.size else 0.0
        self.worst[what] = max(self.worst.get(what, 0.0), d)
        if not d <= TOL:
            self.failures.append('%s: %s differs by %g' % (case, what, d))

    def same(self, case, what, ours, ref):
        if ours != ref:
            self.failures.append('%s: %s %r vs %r' % (case, what, ours, ref))


def compare(diff, case, ours, ref, fields):
    for f in fields:
        diff.close(case, f, ours[f], ref[f])
    diff.same(case, 'tie', ours['tie'], ref['tie'])
    # A label may differ only where the posterior is within the tolerance of a tie.
    for u, (a, b) in enumerate(zip(ours['label'], ref['label'])):
        if a != b and not (a is not None and b is not None and
                           abs(ref['posterior'][u][a] - ref['posterior'][u][b]) <= TOL):
            diff.failures.append('%s: unit %d label %r vs %r' % (case, u, a, b))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    driver = sys.argv[1]
    cases = int(sys.argv[sys.argv.index('--cases') + 1]) if '--cases' in sys.argv else 300
    seed = int(sys.argv[sys.argv.index('--seed') + 1]) if '--seed' in sys.argv else 1979
    rng = np.random.default_rng(seed)
    diff = Diff()
    for i in range(cases):
        n_units, n_annot, k_n, ratings, o = random_case(rng)
        n = dense_counts(n_units, n_annot, k_n, ratings)
        case = 'case %d (%d units, %d annotators, %d labels, %d ratings, %s)' % (
            i, n_units, n_annot, k_n, len(ratings), o)
        ours = run_driver(driver, n_units, n_annot, k_n, ratings,
                          ['--max-iter', str(o['max_iter']), '--tol', repr(o['tol']),
                           '--smoothing', repr(o['s'])])
        ref = dawid_skene(n, o['max_iter'], o['tol'], o['s'])
        compare(diff, case, ours, ref, ['posterior', 'priors', 'confusion', 'accuracy',
                                        'confidence'])
        diff.same(case, 'iterations', ours['iterations'], ref['iterations'])
        diff.same(case, 'converged', ours['converged'], ref['converged'])
        mv_ours = run_driver(driver, n_units, n_annot, k_n, ratings, ['--majority'])
        mv_ref = majority(n)
        compare(diff, case + ' majority', mv_ours, mv_ref,
                ['posterior', 'priors', 'accuracy', 'confidence'])
        diff.same(case, 'majority confusion', mv_ours['confusion'], None)
    print('%d cases; largest differences: %s' % (cases, ', '.join(
        '%s %.3g' % kv for kv in sorted(diff.worst.items()))))
    for f in diff.failures[:20]:
        print('FAIL', f)
    sys.exit(1 if diff.failures else 0)


if __name__ == '__main__':
    main()
