#!/usr/bin/python3
"""Compares what a shared library exports with what its public headers declare.

    abi_symbols.py NM_OUTPUT PREPROCESSED PUBLIC_DIR

NM_OUTPUT is `nm -D --defined-only` of the library; PREPROCESSED is the
public header run through the C preprocessor with its line markers (`cc
-E`); PUBLIC_DIR is the directory of the installed headers: only
declarations from files under it count (protobuf-c's and libc's headers are
included too, and are not the library's).

Functions (nm's T, W, i) must be exactly the functions declared there and
objects (D, B, R, V, G, S) exactly the extern objects declared there. Prints
each name found on one side only and exits 1 if there is any.
"""
import os
import re
import sys

FUNCTION_TYPES = set("TWi")
OBJECT_TYPES = set("DBRVGS")
# Defined by the sanitizers' instrumentation, not by any source file.
INSTRUMENTATION = re.compile(r"^_{2,3}(odr_)?asan")
IDENT = re.compile(r"[A-Za-z_]\w*")


def exported(nm_output):
    """The library's defined dynamic symbols: (functions, objects)."""
    functions, objects = set(), set()
    for line in nm_output.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        kind, name = fields[-2], fields[-1].split("@")[0]
        if INSTRUMENTATION.match(name):
            continue
        if kind in FUNCTION_TYPES:
            functions.add(name)
        elif kind in OBJECT_TYPES:
            objects.add(name)
        else:
            sys.exit("abi_symbols: nm type %r of %s is not handled" % (kind, name))
    return functions, objects


def public_text(preprocessed, public_dir):
    """The preprocessed text that came from files under public_dir."""
    keep, out = False, []
    marker = re.compile(r'^# \d+ "([^"]*)"')
    for line in preprocessed.splitlines():
        m = marker.match(line)
        if m:
            path = os.path.realpath(m.group(1)) if m.group(1).startswith("/") else m.group(1)
            keep = path.startswith(public_dir + os.sep)
            continue
        if keep:
            out.append(line)
    return "\n".join(out)


def strip_attributes(text):
    """text without __attribute__((...)) and __extension__."""
    out, i = [], 0
    while True:
        j = text.find("__attribute__", i)
        if j < 0:
            out.append(text[i:])
            break
        out.append(text[i:j])
        k, depth = text.index("(", j), 0
        while True:
            depth += {"(": 1, ")": -1}.get(text[k], 0)
            k += 1
            if depth == 0:
                break
        i = k
    return "".join(out).replace("__extension__", "")


def top_level_statements(text):
    """The declarations at file scope, split at ';' outside braces; the
    bodies of struct, union and enum definitions stay inside theirs."""
    statements, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == ";" and depth == 0:
            statements.append(text[start:i].strip())
            start = i + 1
    return [s for s in statements if s]


def declared(text):
    """Names of the functions and extern objects declared in text."""
    functions, objects = set(), set()
    for st in top_level_statements(strip_attributes(text)):
        st = " ".join(st.split())
        if st.startswith("typedef") or "{" in st:
            continue  # a type, or a struct/union/enum definition
        paren = st.find("(")
        if paren >= 0 and not st[paren + 1:].lstrip().startswith("*"):
            names = IDENT.findall(st[:paren])
            functions.add(names[-1])
        elif st.startswith("extern"):
            objects.add(IDENT.findall(re.sub(r"\[.*?\]", "", st))[-1])
    return functions, objects


def compare(kind, have, want):
    """Prints the differences of one kind; returns whether there were none."""
    extra, missing = sorted(have - want), sorted(want - have)
    for name in extra:
        print("extra %s (exported, not declared by a public header): %s" % (kind, name))
    for name in missing:
        print("missing %s (declared by a public header, not exported): %s" % (kind, name))
    return not extra and not missing


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        have_fn, have_obj = exported(f.read())
    with open(sys.argv[2]) as f:
        want_fn, want_obj = declared(public_text(f.read(), os.path.realpath(sys.argv[3])))
    if not want_fn or not have_fn:
        sys.exit("abi_symbols: no functions found (declared %d, exported %d): is the input right?"
                 % (len(want_fn), len(have_fn)))
    ok = compare("function", have_fn, want_fn)
    ok = compare("object", have_obj, want_obj) and ok
    lq = sorted(n for n in have_fn if n.startswith("lq_"))
    generated = [n for n in have_fn if n.startswith("labelq__")]
    print("exported: %d functions (%d lq_*, %d labelq__* of protobuf-c), %d objects"
          % (len(have_fn), len(lq), len(generated), len(have_obj)))
    print("lq_* functions: " + " ".join(lq))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
