#!/usr/bin/env python3
"""Turns the C++ code blocks of one Markdown file into one translation unit.

The convention (docs/README.md describes it for writers):

- A ```cpp (or ```c++) block that defines `int main` is a whole program.
- Any other ```cpp block is a fragment: it becomes the body of a function that
  sees `tether::Client client`, `tether::AbortController controller` and
  `std::string url` (a coroutine when it uses co_await / co_return).
- `<!-- snippet: namespace -->` on the line before a block compiles it at
  namespace scope (types, free functions, coroutines returning a Future);
  the blocks after it see what it declares.
- `<!-- snippet: continue -->` appends a block to the previous compiled one.
- `<!-- snippet: skip REASON -->` leaves a block out; the reason is required.

Each block lands in a namespace of its own, so names never collide across
blocks; `#include` lines are hoisted to the top; `#line` directives make the
compiler report errors as `README.md:LINE`. Blocks in other languages are not
touched. Exit status 1 with `file:line: message` on a malformed convention.
"""

import argparse
import dataclasses
import os
import re
import sys

FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
MARKER = re.compile(r"^\s*<!--\s*snippet:\s*(?P<body>.*?)\s*-->\s*$")
INCLUDE = re.compile(r"^\s*#\s*include\b")
MAIN = re.compile(r"\bint\s+main\s*\(")
COROUTINE = re.compile(r"\bco_(await|return|yield)\b")
CPP_LANGUAGES = {"cpp", "c++", "cxx"}
# Literals and line comments, which must not make a block a program or a
# coroutine ("// or co_await").
NOT_CODE = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|//.*$')

PRELUDE = """\
#include <tether/tether.hpp>

#include <chrono>
#include <coroutine>
#include <exception>
#include <iostream>
#include <string>
"""

# `#line` makes g++ take the snippets for a header's code, and warn that a
# lambda in a coroutine frame "has no linkage", which in a .cpp it does not.
NO_HEADER_WARNINGS = """\
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wsubobject-linkage"
#endif
"""

# The smallest coroutine type there is, so that a fragment using co_await
# compiles without depending on any particular task type.
SUPPORT = """\
namespace tether_snippets {
using namespace std::chrono_literals;
struct Coroutine {
  struct promise_type {
    Coroutine get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept {}
  };
};
}  // namespace tether_snippets
"""


class SnippetError(Exception):
    def __init__(self, line, message):
        super().__init__(message)
        self.line = line


@dataclasses.dataclass
class Block:
    line: int  # line of the first code line, 1-based
    code: list
    marker: str  # "", "namespace", "continue", "skip"
    marker_line: int = 0


@dataclasses.dataclass
class Snippet:
    kind: str  # "program", "fragment", "namespace"
    chunks: list  # [(first line, [code lines])]

    @property
    def line(self):
        return self.chunks[0][0]


def parse_marker(text, line):
    match = MARKER.match(text)
    if not match:
        return None
    body = match.group("body")
    word, _, rest = body.partition(" ")
    if word in ("namespace", "continue"):
        if rest.strip():
            raise SnippetError(line, f"'snippet: {word}' takes no argument")
        return word
    if word == "skip":
        reason = rest.strip().strip("()").strip()
        if not reason:
            raise SnippetError(line, "'snippet: skip' needs a reason: <!-- snippet: skip (why) -->")
        return "skip"
    raise SnippetError(line, f"unknown snippet marker '{body}' (namespace, continue, skip REASON)")


def read_blocks(lines):
    """The C++ fenced blocks, with the marker that precedes each one."""
    blocks = []
    pending = None  # (marker, line) waiting for its block
    last_text_line = None
    i = 0
    while i < len(lines):
        text = lines[i]
        number = i + 1
        fence = FENCE.match(text)
        if fence and ("`" not in fence.group("info") or fence.group("fence")[0] == "~"):
            indent = len(fence.group("indent"))
            mark = fence.group("fence")
            language = fence.group("info").strip().split(" ")[0].lower()
            closing = re.compile(r"^ {0,3}" + re.escape(mark[0]) + "{" + str(len(mark)) + r",}\s*$")
            end = i + 1
            while end < len(lines) and not closing.match(lines[end]):
                end += 1
            if end == len(lines):
                raise SnippetError(number, "code block is not closed")
            body = [strip_indent(l, indent) for l in lines[i + 1:end]]
            marker, marker_line = pending if pending else ("", 0)
            if language in CPP_LANGUAGES:
                blocks.append(Block(number + 1, body, marker, marker_line))
            elif pending:
                raise SnippetError(marker_line, f"snippet marker before a '{language or 'plain'}' block")
            pending = None
            i = end + 1
            continue
        marker = parse_marker(text, number)
        if marker:
            if pending:
                raise SnippetError(pending[1], "snippet marker not followed by a code block")
            pending = (marker, number)
        elif text.strip() and pending:
            raise SnippetError(pending[1], "snippet marker not followed by a code block")
        i += 1
    if pending:
        raise SnippetError(pending[1], "snippet marker not followed by a code block")
    return blocks


def strip_indent(line, indent):
    removable = len(line) - len(line.lstrip(" "))
    return line[min(indent, removable):]


def uses(pattern, code):
    return any(pattern.search(NOT_CODE.sub("", line)) for line in code)


def group_snippets(blocks):
    snippets = []
    for block in blocks:
        if block.marker == "skip":
            continue
        if block.marker == "continue":
            if not snippets:
                raise SnippetError(block.marker_line, "'snippet: continue' with no block before it")
            snippets[-1].chunks.append((block.line, block.code))
            continue
        if block.marker == "namespace":
            kind = "namespace"
        elif uses(MAIN, block.code):
            kind = "program"
        else:
            kind = "fragment"
        snippets.append(Snippet(kind, [(block.line, block.code)]))
    return snippets


def hoist_includes(snippets):
    includes = []
    for snippet in snippets:
        for _, code in snippet.chunks:
            for k, text in enumerate(code):
                if INCLUDE.match(text):
                    if text.strip() not in includes:
                        includes.append(text.strip())
                    code[k] = ""  # keeps the line numbers
    return includes


def render(path, snippets, includes):
    header = f"// Generated from {path} by tests/docs/extract_snippets.py."
    if not snippets:  # nothing to compile: spare the build the headers
        return f"{header}\nint main() {{ return 0; }}\n"
    out = [header, PRELUDE]
    out += includes
    out += ["", NO_HEADER_WARNINGS, SUPPORT]
    for snippet in snippets:
        out += render_snippet(path, snippet)
    out.append("int main() { return 0; }")
    return "\n".join(out) + "\n"


def render_snippet(path, snippet):
    name = f"snippet_line_{snippet.line}"
    fragment = snippet.kind == "fragment"
    out = []
    if snippet.kind == "program":
        # Renamed, main loses its implicit `return 0;`.
        out.append("#pragma GCC diagnostic push")
        out.append('#pragma GCC diagnostic ignored "-Wreturn-type"')
    out.append(f"namespace tether_snippets::{name} {{")
    # A fragment that mentions co_await (even inside a lambda of its own) is
    # made a coroutine by a final co_return, so it is one in either case.
    coroutine = fragment and uses(COROUTINE, [l for _, c in snippet.chunks for l in c])
    if fragment:
        result = "Coroutine" if coroutine else "void"
        out.append(f"[[maybe_unused]] {result} snippet([[maybe_unused]] tether::Client& client,")
        out.append("    [[maybe_unused]] tether::AbortController& controller,")
        out.append("    [[maybe_unused]] std::string url) {")
    for first, code in snippet.chunks:
        out.append("{" if fragment else "")
        out.append(f'#line {first} "{path}"')
        for text in code:
            out.append(MAIN.sub("int main_(", text) if snippet.kind == "program" else text)
        out.append("}" if fragment else "")
    if fragment:
        out.append("co_return;\n}" if coroutine else "}")
    out.append(f"}}  // namespace tether_snippets::{name}")
    if snippet.kind == "program":
        out.append("#pragma GCC diagnostic pop")
    if snippet.kind == "namespace":  # what it declares, the later blocks see
        out.append(f"namespace tether_snippets {{ using namespace {name}; }}")
    out.append("")
    return out


def translate(path, text):
    blocks = read_blocks(text.splitlines())
    snippets = group_snippets(blocks)
    includes = hoist_includes(snippets)
    return render(path, snippets, includes), len(snippets), len(blocks) - len(snippets)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("markdown", help="the Markdown file")
    parser.add_argument("output", help="the C++ file to write")
    parser.add_argument("--name", help="the file's name in diagnostics (default: as given)")
    args = parser.parse_args()
    name = args.name or args.markdown
    with open(args.markdown, encoding="utf-8") as f:
        text = f.read()
    try:
        source, compiled, other = translate(name, text)
    except SnippetError as e:
        print(f"{name}:{e.line}: error: {e}", file=sys.stderr)
        return 1
    try:
        with open(args.output, encoding="utf-8") as f:
            unchanged = f.read() == source
    except OSError:
        unchanged = False
    if not unchanged:  # an unchanged file keeps its timestamp: no rebuild
        os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(source)
    print(f"{name}: {compiled} snippet(s) to compile, {other} skipped or continued")
    return 0


if __name__ == "__main__":
    sys.exit(main())
