#!/usr/bin/env python3
"""Checks that a Rust crate's modules depend on each other without cycles.

Usage: scripts/check-module-cycles.py CRATE_DIR [CRATE_DIR ...]

For each crate it reads the module tree under `src/` (from `lib.rs`, else `main.rs`),
finds every path into the crate (`use crate::…`, `use super::…`, and inline `crate::…` /
`super::…` paths in code; comments and string literals are skipped) and resolves it to the
deepest module it names. Then, for every module, the edges between its children's subtrees
form a graph that must be acyclic: at the top this is the graph of the crate's top-level
modules, below it the graph of each module's own children (siblings such as
`service/push.rs` and `service/returns.rs`). A parent module and its own children may use
each other freely: that is not a cycle.

Exits 1 and prints each cycle with the line behind every step if there is one; 0 if not.
No dependencies beyond Python 3.
"""

import os
import re
import sys

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip_code(text):
    """The text with comments and string/char literals blanked out (newlines kept)."""
    out = []
    i, n = 0, len(text)

    def blank(s):
        return "".join("\n" if c == "\n" else " " for c in s)

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(blank(text[i:j]))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(blank(text[i:j]))
            i = j
        elif c in "rb" and re.match(r"(br|r)#*\"", text[i:i + 300]) and not (
            i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")
        ):
            m = re.match(r"(br|r)(#*)\"", text[i:])
            close = '"' + m.group(2)
            j = text.find(close, i + len(m.group(0)))
            j = n if j < 0 else j + len(close)
            out.append(blank(text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(blank(text[i:j]))
            i = j
        elif c == "'":
            # A char literal ('a', '\n', '\u{1F600}') or a lifetime ('a).
            if i + 1 < n and text[i + 1] == "\\":
                j = text.find("'", i + 2)
                j = n if j < 0 else j + 1
                out.append(blank(text[i:j]))
                i = j
            elif i + 2 < n and text[i + 2] == "'":
                out.append("   ")
                i += 3
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


class Module:
    def __init__(self, path, file, parent):
        self.path = path  # tuple of names from the crate root
        self.file = file
        self.parent = parent
        self.children = {}
        self.reexports = {}  # name -> (anchor module, [segments])

    @property
    def name(self):
        return "crate::" + "::".join(self.path) if self.path else "crate"

    def ancestors(self):
        m = self
        while m is not None:
            yield m
            m = m.parent


def module_dir(file):
    base = os.path.basename(file)
    if base in ("lib.rs", "main.rs", "mod.rs"):
        return os.path.dirname(file)
    return file[: -len(".rs")]


def inline_mod_spans(code):
    """(start, end) of every inline `mod name { … }` body, so paths inside can be placed."""
    spans = []
    for m in re.finditer(r"\bmod\s+" + IDENT + r"\s*\{", code):
        depth, j = 1, m.end()
        while j < len(code) and depth:
            if code[j] == "{":
                depth += 1
            elif code[j] == "}":
                depth -= 1
            j += 1
        spans.append((m.end(), j))
    return spans


def load_tree(src):
    root_file = next((os.path.join(src, f) for f in ("lib.rs", "main.rs") if os.path.exists(os.path.join(src, f))), None)
    if root_file is None:
        raise SystemExit(f"{src}: no lib.rs or main.rs")
    root = Module((), root_file, None)
    modules = [root]
    codes = {}
    stack = [root]
    while stack:
        mod = stack.pop()
        with open(mod.file, encoding="utf-8") as f:
            code = strip_code(f.read())
        codes[mod.file] = code
        spans = inline_mod_spans(code)
        for m in re.finditer(r"\bmod\s+(" + IDENT + r")\s*;", code):
            if any(a <= m.start() < b for a, b in spans):
                continue
            name = m.group(1)
            d = module_dir(mod.file)
            for cand in (os.path.join(d, name + ".rs"), os.path.join(d, name, "mod.rs")):
                if os.path.exists(cand):
                    child = Module(mod.path + (name,), cand, mod)
                    mod.children[name] = child
                    modules.append(child)
                    stack.append(child)
                    break
    return root, modules, codes


def split_use_tree(tree):
    """`a::{b, c::{d, e}, *}` -> [[a, b], [a, c, d], [a, c, e], [a, *]] (no `as` renames)."""
    tree = re.sub(r"\s+", "", tree)

    def parse(s, prefix):
        paths = []
        depth, start, parts = 0, 0, []
        for i, ch in enumerate(s):
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == "," and depth == 0:
                parts.append(s[start:i])
                start = i + 1
        parts.append(s[start:])
        for part in parts:
            if not part:
                continue
            brace = part.find("{")
            if brace >= 0:
                head = [x for x in part[:brace].split("::") if x]
                paths.extend(parse(part[brace + 1: part.rfind("}")], prefix + head))
            else:
                segs = [x for x in part.split("::") if x]
                paths.append(prefix + segs)
        return paths

    return parse(tree, [])


def strip_as(tree):
    return re.sub(r"\s+as\s+" + IDENT, "", tree)


def resolve(anchor, segs, seen=None):
    """The deepest module `segs` names, starting from `anchor`, following re-exports."""
    mod = anchor
    for i, s in enumerate(segs):
        if s in mod.children:
            mod = mod.children[s]
        elif s in mod.reexports and (seen is None or (mod.name, s) not in seen):
            seen = set(seen or ()) | {(mod.name, s)}
            target_anchor, target_segs = mod.reexports[s]
            return resolve(*resolve_start(target_anchor, target_segs + segs[i + 1:]), seen=seen)
        else:
            break
    return mod


def resolve_start(mod, segs, inline_depth=0):
    """Where a path starts: `crate`, `super`(s), `self`, or a child module name."""
    segs = list(segs)
    if segs and segs[0] == "crate":
        m = mod
        while m.parent is not None:
            m = m.parent
        return m, segs[1:]
    if segs and segs[0] in ("super", "self"):
        m = mod
        while segs and segs[0] in ("super", "self"):
            if segs[0] == "super":
                if inline_depth > 0:
                    inline_depth -= 1
                elif m.parent is not None:
                    m = m.parent
            segs = segs[1:]
        return m, segs
    return mod, segs


def collect(root, modules, codes):
    """Every edge (from module, to module, file, line) through a path into the crate."""
    # Re-exports first (`pub use child::Item;`), so paths through them reach the real module.
    for mod in modules:
        code = codes[mod.file]
        for m in re.finditer(r"\bpub(?:\([^)]*\))?\s+use\s+([^;]+);", code):
            for segs in split_use_tree(strip_as(m.group(1))):
                anchor, rest = resolve_start(mod, segs)
                if rest and (rest[0] in anchor.children or anchor is not mod or segs[0] == "crate"):
                    name = rest[-1] if rest[-1] != "*" else None
                    if name:
                        mod.reexports[name] = (anchor, rest)
    edges = []
    for mod in modules:
        code = codes[mod.file]
        spans = inline_mod_spans(code)

        def depth_at(pos):
            return sum(1 for a, b in spans if a <= pos < b)

        def line_at(pos):
            return code.count("\n", 0, pos) + 1

        use_spans = []
        for m in re.finditer(r"(?<![A-Za-z0-9_$])use\s+([^;]+);", code):
            use_spans.append((m.start(), m.end()))
            for segs in split_use_tree(strip_as(m.group(1))):
                if not segs or segs[0] not in ("crate", "super", "self") and segs[0] not in mod.children:
                    continue
                anchor, rest = resolve_start(mod, segs, depth_at(m.start()))
                target = resolve(anchor, [s for s in rest if s != "*"])
                edges.append((mod, target, mod.file, line_at(m.start())))
        pattern = r"(?<![A-Za-z0-9_$:])((?:crate|super)(?:\s*::\s*" + IDENT + r")+)"
        for m in re.finditer(pattern, code):
            if any(a <= m.start() < b for a, b in use_spans):
                continue
            segs = [s for s in re.split(r"\s*::\s*", m.group(1)) if s]
            anchor, rest = resolve_start(mod, segs, depth_at(m.start()))
            target = resolve(anchor, rest)
            edges.append((mod, target, mod.file, line_at(m.start())))
    return edges


def child_under(parent, mod):
    """The child of `parent` whose subtree holds `mod`, or None (mod is parent or outside)."""
    for a in mod.ancestors():
        if a.parent is parent:
            return a
    return None


def cycles_at(parent, edges):
    """Cycles among `parent`'s children: per strongly connected component, its members and
    one cycle through them as [(from, to, file, line), ...]."""
    graph = {}
    for src, dst, file, line in edges:
        a, b = child_under(parent, src), child_under(parent, dst)
        if a is None or b is None or a is b:
            continue
        graph.setdefault(a, {}).setdefault(b, (file, line))
    # Tarjan's strongly connected components.
    index, low, on, stack, sccs = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, {}), key=lambda m: m.path):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w is v:
                    break
            if len(scc) > 1:
                sccs.append(scc)

    for v in sorted(graph, key=lambda m: m.path):
        if v not in index:
            visit(v)
    found = []
    for scc in sccs:
        members = set(scc)
        start = min(scc, key=lambda m: m.path)
        # Shortest way back to `start` inside the component (breadth first).
        prev, queue = {start: None}, [start]
        end = None
        while queue and end is None:
            v = queue.pop(0)
            for w in sorted(graph.get(v, {}), key=lambda m: m.path):
                if w is start:
                    end = v
                    break
                if w in members and w not in prev:
                    prev[w] = v
                    queue.append(w)
        path = [start]
        v = end
        while v is not start:
            path.insert(1, v)
            v = prev[v]
        path.append(start)
        steps = [(a, b) + graph[a][b] for a, b in zip(path, path[1:])]
        found.append((sorted(scc, key=lambda m: m.path), steps))
    return found


def check(crate_dir):
    src = os.path.join(crate_dir, "src") if os.path.isdir(os.path.join(crate_dir, "src")) else crate_dir
    root, modules, codes = load_tree(src)
    edges = collect(root, modules, codes)
    problems = []
    for parent in modules:
        if parent.children:
            problems.extend(cycles_at(parent, edges))
    label = os.path.normpath(crate_dir)
    internal = sum(1 for s, d, _, _ in edges if s is not d)
    if not problems:
        print(f"{label}: no module cycles ({len(modules)} modules, {internal} paths between modules)")
        return True
    for members, cycle in problems:
        names = " -> ".join([cycle[0][0].name] + [step[1].name for step in cycle])
        print(f"{label}: module cycle: {names}")
        if len(members) > len(cycle):
            print(f"    (all of {', '.join(m.name for m in members)} reach each other)")
        for a, b, file, line in cycle:
            print(f"    {a.name} -> {b.name}  ({os.path.relpath(file)}:{line})")
    return False


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 else 2
    ok = True
    for crate_dir in argv[1:]:
        ok &= check(crate_dir)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
