#!/usr/bin/env python3
"""Doc-tests: every SQL example of README.md and doc/*.md runs, and what it
prints is compared with what the page shows.

The convention (doc/README.md says it for page writers):

* A fenced block tagged ```sql runs.  The blocks of a page run in order, in
  one psql session, in a fresh database of their own where
  CREATE EXTENSION customer_intel has been run (unless the page runs it
  itself).  The working directory is the repository root.
* What a block prints is the ```text block that follows it (only blank lines
  between).  A sql block without one must print nothing.  Errors are output
  too: an example may show its ERROR/DETAIL/HINT lines.
* psql prints as it would interactively with these settings: aligned
  tables without the "(N rows)" footer, no command tags, NULL as nothing,
  errors without CONTEXT; client_min_messages = warning (a page that wants
  to show a NOTICE sets it itself), TimeZone UTC, DateStyle ISO.
* ```sql no-run marks a fragment shown but not run (it needs something
  outside the page, or is a pattern rather than an example).  Keep them few;
  --list prints them.  Blocks in other languages (sh, plain ```) never run.

Usage: scripts/doctest.py [--accept] [--keep] [--list] [--self-test] [PAGE ...]
  (default pages: README.md doc/*.md; connection from the PG* environment)
  --accept  write what the blocks print into the pages (then read the diff!)
  --keep    keep the databases (doctest_<page>) and the roles pages create
            (otherwise roles created by a page are dropped after it)
  --list    list the no-run blocks and exit
  --self-test  check that the tool fails what it should (wrong results,
            missing result blocks, unexpected errors) and passes the rest

Prints one TAP line per page ("ok N - page" / "not ok N - page" with the
differences) and exits non-zero when a page failed.
"""
import difflib
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PSQL = os.environ.get("PSQL", "psql")
MARK = "@@doctest-block-%d@@"
FENCE = re.compile(r"^(\s*)(`{3,})\s*([^`]*)$")
CREATES_EXTENSION = re.compile(r"^\s*CREATE\s+EXTENSION\s+(IF\s+NOT\s+EXISTS\s+)?customer_intel\b",
                               re.I | re.M)
TIMEOUT = int(os.environ.get("DOCTEST_TIMEOUT", "900"))


class Block:
    def __init__(self, lang, flags, indent, start, end, body):
        self.lang, self.flags, self.indent = lang, flags, indent
        self.start, self.end = start, end          # line numbers of the fences (0-based)
        self.body = body                           # lines, indentation removed
        self.result = None                         # the ```text block that follows


def parse(lines):
    """Fenced blocks of a page; each runnable sql block gets its result block."""
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, ticks, info = len(m.group(1)), m.group(2), m.group(3).split()
        j = i + 1
        while j < len(lines) and not re.match(r"^\s*%s`*\s*$" % ticks, lines[j]):
            j += 1
        if j == len(lines):
            raise ValueError("line %d: unclosed ``` block" % (i + 1))
        body = [l[indent:] if l[:indent].strip() == "" else l.lstrip() for l in lines[i + 1:j]]
        blocks.append(Block(info[0] if info else "", info[1:], indent, i, j, body))
        i = j + 1
    for a, b in zip(blocks, blocks[1:]):
        if a.lang == "sql" and all(l.strip() == "" for l in lines[a.end + 1:b.start]):
            if b.lang == "text":
                a.result = b
            elif b.lang == "" and "no-run" not in a.flags:
                raise ValueError("line %d: the block after a sql block must be tagged text" % (b.start + 1))
    return blocks


def normalise(text_lines):
    out = [l.rstrip() for l in text_lines]
    while out and out[0] == "":
        out.pop(0)
    while out and out[-1] == "":
        out.pop()
    return out


def psql(args, stdin=None, env=None):
    return subprocess.run([PSQL, "-X", "-q"] + args, input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=TIMEOUT)


def run_page(page, blocks, keep):
    runnable = [b for b in blocks if b.lang == "sql" and "no-run" not in b.flags]
    db = "doctest_" + re.sub(r"[^a-z0-9]+", "_", page.lower()).strip("_")
    admin = ["-d", os.environ.get("PGDATABASE", "postgres"), "-v", "ON_ERROR_STOP=1"]
    r = psql(admin, 'DROP DATABASE IF EXISTS "%s";\nCREATE DATABASE "%s";\n' % (db, db))
    if r.returncode != 0:
        return None, "could not create database %s: %s" % (db, r.stderr.strip())
    roles_before = set(psql(admin + ["-A", "-t", "-c", "SELECT rolname FROM pg_roles"]).stdout.split())
    script = []
    if not any(CREATES_EXTENSION.search("\n".join(b.body)) for b in runnable):
        script.append("CREATE EXTENSION customer_intel;")
    for n, b in enumerate(runnable):
        script.append("\\echo '%s'" % (MARK % n))
        script.extend(b.body)
    script.append("\\echo '%s'" % (MARK % len(runnable)))
    env = dict(os.environ)
    env["PGOPTIONS"] = (env.get("PGOPTIONS", "") + " -c client_min_messages=warning -c TimeZone=UTC"
                        " -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c lc_messages=C"
                        " -c extra_float_digits=1")
    env["PGTZ"] = "UTC"
    try:
        r = subprocess.run([PSQL, "-X", "-q", "-d", db, "-v", "ON_ERROR_STOP=0", "-v", "VERBOSITY=default",
                            "-v", "SHOW_CONTEXT=never", "-P", "footer=off", "-P", "null="],
                           input="\n".join(script) + "\n", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, cwd=ROOT, env=env, timeout=TIMEOUT)
        out = r.stdout
    except subprocess.TimeoutExpired:
        return None, "timed out after %d s" % TIMEOUT
    finally:
        if not keep:
            # roles are the cluster's: drop those the page created, after its database
            new_roles = set(psql(admin + ["-A", "-t", "-c", "SELECT rolname FROM pg_roles"]).stdout.split()) - roles_before
            psql(admin, 'DROP DATABASE IF EXISTS "%s";\n' % db +
                 "".join('DROP ROLE IF EXISTS "%s";\n' % r for r in sorted(new_roles)))
    parts = re.split(r"^@@doctest-block-(\d+)@@\n", out, flags=re.M)
    preamble, got = parts[0], {int(parts[k]): parts[k + 1] for k in range(1, len(parts) - 1, 2)}
    if normalise(preamble.splitlines()):
        return None, "setup printed:\n" + preamble
    if len(runnable) not in got:
        return None, "psql stopped early:\n" + out[-2000:]
    return [(b, normalise(got.get(n, "").splitlines())) for n, b in enumerate(runnable)], None


def check(page, lines, results):
    problems = []
    for b, actual in results:
        expected = normalise(b.result.body) if b.result else []
        if actual != expected:
            diff = difflib.unified_diff(expected, actual, "page", "psql", lineterm="", n=2)
            problems.append("%s:%d: the sql block prints%s\n%s" % (
                page, b.start + 1, "" if b.result else " (and the page shows no ```text block)",
                "\n".join("    " + l for l in diff)))
    return problems


def accept(lines, results):
    """The page with every result block replaced (or added) by what psql printed."""
    edits = []
    for b, actual in results:
        pad = " " * b.indent
        new = [pad + "```text"] + [(pad + l) if l else "" for l in actual] + [pad + "```"]
        if b.result:
            edits.append((b.result.start, b.result.end + 1, new if actual else []))
        elif actual:
            edits.append((b.end + 1, b.end + 1, new))
    for start, end, new in sorted(edits, reverse=True):
        if not new and start > 0 and lines[start - 1].strip() == "":
            start -= 1                       # drop the blank line before a removed block
        lines[start:end] = new
    return lines


SELF_TEST = [
    # (name, page, passes)
    ("a matching result passes", "```sql\nSELECT 1 + 1 AS two;\n```\n```text\n two\n-----\n   2\n```\n", True),
    ("a wrong result fails", "```sql\nSELECT 1 + 1 AS two;\n```\n```text\n two\n-----\n   3\n```\n", False),
    ("output without a text block fails", "```sql\nSELECT 1;\n```\n", False),
    ("an untagged block after sql fails", "```sql\nSELECT 1;\n```\n```\n ?column?\n```\n", False),
    ("a shown error passes", "```sql\nSELECT 1/0;\n```\n```text\nERROR:  division by zero\n```\n", True),
    ("an unexpected error fails", "```sql\nCREATE TABLE t (a int);\nSELECT b FROM t;\n```\n", False),
    ("no-run blocks do not run", "```sql no-run\nSELECT nonsense(;\n```\n", True),
    ("blocks share one session, the extension is there",
     "```sql\nCREATE TEMP TABLE t AS SELECT ci.normalize_name('Ærø') AS n;\n```\n\n"
     "```sql\nSELECT n FROM t;\n```\n```text\n  n\n------\n aero\n```\n", True),
]


def self_test():
    """The tool fails pages it should fail: one TAP line per case."""
    import tempfile
    failed = 0
    print("1..%d" % len(SELF_TEST))
    with tempfile.TemporaryDirectory() as tmp:
        for n, (name, text, passes) in enumerate(SELF_TEST, 1):
            page = os.path.join(tmp, "case%d.md" % n)
            open(page, "w", encoding="utf-8").write(text)
            try:
                blocks = parse(text.split("\n"))
                results, error = run_page("selftest/case%d.md" % n, blocks, False)
                problems = [error] if error else check(page, text.split("\n"), results)
            except ValueError as e:
                problems = [str(e)]
            ok = (not problems) == passes
            failed += not ok
            print("%s %d - doctest self-test: %s" % ("ok" if ok else "not ok", n, name))
            if not ok:
                print("\n".join("# " + l for l in ("\n".join(problems) or "passed").split("\n")))
    return 1 if failed else 0


def main(argv):
    opts = {a for a in argv if a.startswith("--")}
    if "--self-test" in opts:
        return self_test()
    pages = [a for a in argv if not a.startswith("--")] or \
        ["README.md"] + sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "doc", "*.md")))
    if "--list" in opts:
        for page in pages:
            for b in parse(open(os.path.join(ROOT, page), encoding="utf-8").read().split("\n")):
                if b.lang == "sql" and "no-run" in b.flags:
                    print("%s:%d: %s" % (page, b.start + 1, b.body[0] if b.body else ""))
        return 0
    print("1..%d" % len(pages))
    failed = 0
    for n, page in enumerate(pages, 1):
        path = os.path.join(ROOT, page)
        lines = open(path, encoding="utf-8").read().split("\n")
        try:
            blocks = parse(lines)
        except ValueError as e:
            print("not ok %d - %s\n# %s" % (n, page, e))
            failed += 1
            continue
        nrun = sum(1 for b in blocks if b.lang == "sql" and "no-run" not in b.flags)
        results, error = run_page(page, blocks, "--keep" in opts) if nrun else ([], None)
        problems = [error] if error else check(page, lines, results)
        if problems and "--accept" in opts and results is not None:
            open(path, "w", encoding="utf-8").write("\n".join(accept(lines, results)))
            problems = ["%s: rewritten with what psql printed; review the diff" % page]
        status = "not ok" if problems else "ok"
        failed += bool(problems)
        print("%s %d - %s (%d sql blocks)" % (status, n, page, nrun))
        for p in problems:
            print("\n".join("# " + l for l in p.split("\n")))
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
