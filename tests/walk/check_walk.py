#!/usr/bin/env python3
"""Checks docs/architecture.md's walks of a request against the code that
ran for one request of that kind.

usage: check_walk.py ARCHITECTURE_MD KIND CALLGRIND_OUT

CALLGRIND_OUT is callgrind's dump of labelqd's code run for exactly one
request (request_walk.sh makes it). The section "### The path of a KIND" of
ARCHITECTURE_MD gives a table whose rows name the files that handle the
request, in order (first `.c` of each row), and a paragraph starting
"Helpers" naming the files it calls that return at once. This fails when:
  - a file on the path did not run, or a file ran that the section names
    nowhere;
  - the path names a file twice, or more than 8 files;
  - control went back on the path: a call from a file on it to a file the
    request had already left (a file visited twice, as when two files hand
    a request back and forth).
"""
import re
import sys

OURS = ('daemon/', 'storage/', 'proto/', 'schema/', 'quality/')
MAX_PATH = 8


def documented(md, kind):
    text = open(md).read()
    m = re.search(r'^### The path of an? %s\b(.*?)(?=^#)' % re.escape(kind), text + '\n#',
                  re.M | re.S)
    if not m:
        sys.exit('check_walk: %s has no section "### The path of a %s"' % (md, kind))
    path, helpers, in_helpers = [], [], False
    for line in m.group(1).splitlines():
        files = re.findall(r'`([\w./-]+\.c)`', line)
        if line.startswith('|') and files:
            path.append(files[0])
        in_helpers = line.startswith('Helpers') or (in_helpers and line.strip() != '')
        if in_helpers:
            helpers.extend(files)  # the paragraph that starts "Helpers"
    return path, set(helpers)


def short(path):
    """Our file's path from the root of the tree, or None for others."""
    path = re.sub(r'^.*?/proto/gen/', '', path)  # the generated proto/labelq.pb-c.c
    for root in OURS:
        i = path.find('/' + root)
        if i >= 0:
            path = path[i + 1:]
    return path if path.startswith(OURS) else None


def read_dump(dump):
    """(files that ran, calls between them as (caller file, callee file))
    from a callgrind output file, whose names are compressed: "fl=(3) NAME"
    the first time, "fl=(3)" after."""
    names = {}
    files, calls = set(), set()
    caller = callee = None

    def name(kind, text):
        m = re.match(r'\((\d+)\)(?: (.*))?$', text)
        if not m:
            return text
        table = names.setdefault('file' if kind != 'fn' and kind != 'cfn' else 'fn', {})
        if m.group(2) is not None:
            table[m.group(1)] = m.group(2)
        return table.get(m.group(1), '?')

    for line in open(dump):
        m = re.match(r'^(fl|fi|fe|fn|cfi|cfl|cfn)=(.*)$', line.rstrip('\n'))
        if m:
            kind, text = m.groups()
            value = name(kind, text)
            if kind == 'fl':
                caller = short(value)
                if caller:
                    files.add(caller)
            elif kind in ('cfi', 'cfl'):
                callee = short(value)
            elif kind == 'cfn' and callee is None:
                callee = caller  # a call within the caller's file
            continue
        if line.startswith('calls='):
            if caller and callee and caller != callee:
                calls.add((caller, callee))
            callee = None
    return files, calls


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    md, kind, dump = sys.argv[1:]
    path, helpers = documented(md, kind)
    seen, calls = read_dump(dump)
    problems = []
    if len(path) != len(set(path)):
        problems.append('the path names a file twice: %s' % ' '.join(path))
    if len(path) > MAX_PATH:
        problems.append('the path crosses %d files (at most %d)' % (len(path), MAX_PATH))
    for f in path:
        if f not in seen:
            problems.append('%s is on the documented path but did not run' % f)
    for f in sorted(seen - set(path) - helpers):
        problems.append('%s ran for a %s but the walk does not name it' % (f, kind))
    step = {f: i for i, f in enumerate(path)}
    for a, b in sorted(calls):
        if a in step and b in step and step[b] < step[a]:
            problems.append('%s calls back into %s, which the request had left' % (a, b))
    for p in problems:
        print('check_walk: %s: %s' % (kind, p))
    if problems:
        print('check_walk: ran: %s' % ' '.join(sorted(seen)))
        return 1
    print('check_walk: %s: %d files on the path, %d helpers, as docs/architecture.md says'
          % (kind, len(path), len(seen - set(path))))
    return 0


if __name__ == '__main__':
    sys.exit(main())
