#!/usr/bin/env python3
"""Checks the daemon's layout against what the build declares.

usage: check_layout.py SOURCE_DIR LAYERS_FILE

LAYERS_FILE (written by daemon/CMakeLists.txt) has one line per daemon
folder, "folder: used-folder ...". This fails, naming file and line, when:
  - a file in daemon/F includes daemon/G/... and G is neither F nor one of
    the folders F declares it uses;
  - the declared uses form a circle;
  - a function declared in a header X.h under daemon/ is not defined in
    X.c beside it: a daemon function lives in the file whose header
    declares it. (storage/ keeps LMDB's shape on purpose: one header,
    store.h, documents the store's whole interface.)
"""
import os
import re
import sys


def read_layers(path):
    layers = {}
    with open(path) as f:
        for line in f:
            if ':' not in line:
                continue
            name, uses = line.split(':', 1)
            layers[name.strip()] = uses.split()
    return layers


def check_includes(src, layers, problems):
    inc = re.compile(r'^\s*#\s*include\s+"daemon/([a-z_]+)/')
    for folder in sorted(layers):
        d = os.path.join(src, 'daemon', folder)
        for fn in sorted(os.listdir(d)):
            if not fn.endswith(('.c', '.h')):
                continue
            with open(os.path.join(d, fn)) as f:
                for no, line in enumerate(f, 1):
                    m = inc.match(line)
                    if m and m.group(1) != folder and m.group(1) not in layers[folder]:
                        problems.append('daemon/%s/%s:%d includes daemon/%s/, which %s/ does '
                                        'not declare it uses (daemon/CMakeLists.txt)'
                                        % (folder, fn, no, m.group(1), folder))
    undeclared = [d for d in os.listdir(os.path.join(src, 'daemon'))
                  if os.path.isdir(os.path.join(src, 'daemon', d)) and d not in layers]
    for d in undeclared:
        problems.append('daemon/%s/ is not declared by lqd_folder() in daemon/CMakeLists.txt' % d)


def check_acyclic(layers, problems):
    state = {}

    def visit(n, path):
        if state.get(n) == 'done':
            return
        if state.get(n) == 'open':
            problems.append('daemon folders use each other in a circle: '
                            + ' -> '.join(path[path.index(n):] + [n]))
            return
        state[n] = 'open'
        for u in layers.get(n, []):
            visit(u, path + [n])
        state[n] = 'done'

    for n in sorted(layers):
        visit(n, [])


DECL = re.compile(r'^[A-Za-z_][\w \*]*?\b(lq_\w+)\s*\(', re.M)


def strip_comments(text):
    return re.sub(r'/\*.*?\*/', '', text, flags=re.S)


def declared(header_text):
    """Names of functions declared (not defined, not macros) in a header."""
    text = strip_comments(header_text)
    names = []
    for m in DECL.finditer(text):
        start = m.start()
        if text[start:].startswith(('typedef', '#')):
            continue
        # The declaration runs to the first ';' or '{' after the name.
        rest = text[m.end():]
        end = min([i for i in (rest.find(';'), rest.find('{')) if i >= 0], default=-1)
        if end >= 0 and rest[end] == ';' and '(*' not in text[start:m.end()]:
            names.append(m.group(1))
    return names


def check_definitions(src, problems):
    for top in ('daemon',):
        for root, _, files in os.walk(os.path.join(src, top)):
            for fn in sorted(files):
                if not fn.endswith('.h'):
                    continue
                names = declared(open(os.path.join(root, fn)).read())
                if not names:
                    continue
                rel = os.path.relpath(os.path.join(root, fn), src)
                cfile = os.path.join(root, fn[:-2] + '.c')
                body = strip_comments(open(cfile).read()) if os.path.exists(cfile) else ''
                for name in names:
                    if not re.search(r'^[A-Za-z_][\w \*]*?\b%s\s*\([^;]*?\)\s*\{' % name,
                                     body, re.M | re.S):
                        problems.append('%s declares %s, which %s does not define'
                                        % (rel, name, os.path.relpath(cfile, src)))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, layers_file = sys.argv[1], sys.argv[2]
    layers = read_layers(layers_file)
    problems = []
    check_includes(src, layers, problems)
    check_acyclic(layers, problems)
    check_definitions(src, problems)
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print('layout ok: %d daemon folders, no circle, every include declared, '
          'every declared function defined beside its header' % len(layers))


if __name__ == '__main__':
    main()
