"""The snippet convention of extract_snippets.py, rule by rule."""

import unittest

from extract_snippets import SnippetError, translate


def doc(*lines):
    return "\n".join(lines) + "\n"


class Convention(unittest.TestCase):
    def test_fragment_is_wrapped_in_a_function_with_the_prelude(self):
        source, compiled, _ = translate("a.md", doc("text", "```cpp", "client.get(url);", "```"))
        self.assertEqual(compiled, 1)
        self.assertIn("void snippet([[maybe_unused]] tether::Client& client,", source)
        self.assertIn('#line 3 "a.md"\nclient.get(url);', source)

    def test_fragment_with_co_await_is_a_coroutine(self):
        source, _, _ = translate("a.md", doc("```cpp", "auto r = co_await client.get(url);", "```"))
        self.assertIn("Coroutine snippet(", source)
        # Also a coroutine when co_await is only in a lambda of its own.
        self.assertIn("}\nco_return;\n}", source)

    def test_words_in_comments_and_strings_do_not_count(self):
        source, _, _ = translate("a.md", doc(
            "```cpp", 'auto f = client.get(url);  // or co_await', 'std::string s = "int main(";', "```"))
        self.assertIn("void snippet(", source)

    def test_program_keeps_its_main_under_another_name(self):
        source, _, _ = translate(
            "a.md", doc("```cpp", "#include <iostream>", "int main() {", "  return 1;", "}", "```"))
        self.assertIn("int main_() {", source)
        self.assertNotIn("snippet([[maybe_unused]]", source)
        # The include is hoisted and its line left blank, so numbering holds.
        self.assertLess(source.index("#include <iostream>"), source.index("namespace tether_snippets::"))
        self.assertIn('#line 2 "a.md"\n\nint main_() {', source)

    def test_namespace_marker_compiles_at_namespace_scope(self):
        source, _, _ = translate(
            "a.md", doc("<!-- snippet: namespace -->", "```cpp", "struct User { int id{}; };", "```"))
        self.assertIn('#line 3 "a.md"\nstruct User { int id{}; };', source)
        self.assertNotIn("snippet([[maybe_unused]]", source)
        # The blocks after it see its names.
        self.assertIn("namespace tether_snippets { using namespace snippet_line_3; }", source)

    def test_skip_needs_a_reason(self):
        with self.assertRaises(SnippetError) as caught:
            translate("a.md", doc("<!-- snippet: skip -->", "```cpp", "pseudo code", "```"))
        self.assertEqual(caught.exception.line, 1)
        _, compiled, skipped = translate(
            "a.md", doc("<!-- snippet: skip (a signature listing) -->", "```cpp", "pseudo code", "```"))
        self.assertEqual((compiled, skipped), (0, 1))

    def test_continue_joins_the_previous_block(self):
        source, compiled, _ = translate("a.md", doc(
            "```cpp", "int n = 1;", "```", "then", "<!-- snippet: continue -->", "```cpp", "n += 1;", "```"))
        self.assertEqual(compiled, 1)
        self.assertIn('#line 7 "a.md"\nn += 1;', source)

    def test_only_cpp_blocks_count(self):
        _, compiled, _ = translate("a.md", doc("```sh", "make test", "```", "```", "plain", "```"))
        self.assertEqual(compiled, 0)

    def test_a_longer_fence_holds_a_shorter_one(self):
        source, compiled, _ = translate(
            "a.md", doc("````markdown", "```cpp", "not code", "```", "````", "```c++", "int x = 0;", "```"))
        self.assertEqual(compiled, 1)
        self.assertNotIn("not code", source)

    def test_indented_block_in_a_list_loses_its_indent(self):
        source, _, _ = translate("a.md", doc("- item", "  ```cpp", "  client.get(url);", "  ```"))
        self.assertIn("\nclient.get(url);", source)

    def test_malformed_conventions_name_their_line(self):
        cases = {
            doc("<!-- snippet: bogus -->", "```cpp", "x", "```"): 1,
            doc("```cpp", "x"): 1,
            doc("<!-- snippet: namespace -->", "prose", "```cpp", "x", "```"): 1,
            doc("<!-- snippet: namespace -->", "```sh", "x", "```"): 1,
            doc("<!-- snippet: continue -->", "```cpp", "x", "```"): 1,
            doc("text", "<!-- snippet: namespace -->"): 2,
        }
        for text, line in cases.items():
            with self.subTest(text=text):
                with self.assertRaises(SnippetError) as caught:
                    translate("a.md", text)
                self.assertEqual(caught.exception.line, line)


if __name__ == "__main__":
    unittest.main()
