#!/usr/bin/env python3
"""Checks docs/architecture.md's walks of a request against the code that
ran for one request of that kind.

usage: check_walk.py ARCHITECTURE_MD KIND ANNOTATION

ANNOTATION is callgrind_annotate's output for one request (request_walk.sh
counts labelqd's code around exactly one). The section "### The path of a
KIND" of ARCHITECTURE_MD gives a table whose rows name the files that handle
the request, in order (first `.c` of each row), and a line starting
"Helpers" naming the files it calls that return at once. This fails when a
file on the path did not run, when a file ran that the section names
nowhere, or when the path names a file twice or more than 8 files.
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


def ran(annotation):
    files = set()
    for line in open(annotation):
        m = re.match(r'^\s*[\d,]+ \([^)]*\)\s+(\S+?):\S+ \[', line)
        if not m:
            continue
        f = m.group(1)
        f = re.sub(r'^.*?/proto/gen/', '', f)  # the generated code: proto/labelq.pb-c.c
        for root in OURS:
            i = f.find('/' + root)
            if i >= 0:
                f = f[i + 1:]
        if f.startswith(OURS):
            files.add(f)
    return files


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    md, kind, annotation = sys.argv[1:]
    path, helpers = documented(md, kind)
    seen = ran(annotation)
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
