"""Typography for plain text: curly quotes, dashes and ellipses.

Its own module, without Markdown: pages put it on headings and summaries, while only a
process that renders a body needs Python-Markdown (votebrief.render), which takes 10 ms
to import.
"""

from __future__ import annotations

import re

# Python-Markdown's smarty extension runs a dozen patterns at every position of the
# inline pass and costs more than half of a briefing's render (7 of 12 ms for 12 KB).
# These few substitutions over finished text nodes give the same typography in one pass.
_TYPOGRAPHY = [  # (what the text must contain for the pattern to match, pattern, replacement)
    ("--", re.compile(r"---"), "\u2014"),
    ("--", re.compile(r"--"), "\u2013"),
    ("...", re.compile(r"\.\.\."), "\u2026"),
    ('"', re.compile(r"(?:^|(?<=[\s(\[{\u2013\u2014]))\"(?=\S)"), "\u201c"),
    ('"', re.compile(r'"'), "\u201d"),
    ("'", re.compile(r"(?<=\w)'(?=\w)"), "\u2019"),
    ("'", re.compile(r"(?:^|(?<=[\s(\[{\u2013\u2014]))'(?=\S)"), "\u2018"),
    ("'", re.compile(r"'"), "\u2019"),
]
VERBATIM = {"code", "pre", "kbd", "samp"}


def smarten(text: str) -> str:
    """Curly quotes, dashes and ellipses for plain text."""
    # A substring test is far cheaper than a substitution that finds nothing; no replacement
    # adds a character another pattern looks for, so testing the text as it stands is exact.
    for needed, pattern, replacement in _TYPOGRAPHY:
        if needed in text:
            text = pattern.sub(replacement, text)
    return text


_TYPOGRAPHIC = re.compile(r"['\"]|--|\.\.\.")


def smarten_between(text: str, *, after_element: bool, before_element: bool) -> str:
    if _TYPOGRAPHIC.search(text) is None:
        return text  # most text nodes: nothing to curl, no copies to make
    # A quote touching an inline element ("*word*") must see the element as a word:
    # stand-in letters on either side give the patterns that context, then go.
    head, tail = ("x" if after_element else ""), ("x" if before_element else "")
    smart = smarten(head + text + tail)
    return smart[len(head) : len(smart) - len(tail)]
