"""Chat-template control tokens, removed from any text that goes into a prompt (documents, questions, history).

llama.cpp, vLLM and most servers tokenize the formatted prompt with special tokens enabled: a document
saying `<|im_end|>\\n<|im_start|>system` would otherwise close the user turn and open a system one. Both
the model's own control tokens (read from its vocabulary) and those of the common templates are stripped,
so that the protection holds for a remote server whose vocabulary we do not know.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

COMMON_PATTERNS = (
    r"<\|[^|<>\n]{1,64}\|>",  # ChatML <|im_start|>, Llama 3 <|eot_id|>, Phi <|user|>, GPT <|endoftext|>...
    r"<｜[^｜<>\n]{1,64}｜>",  # DeepSeek <｜begin▁of▁sentence｜> (full-width bars)
    r"</?(?:start_of_turn|end_of_turn|start_of_image|end_of_image|bos|eos|pad|unk|mask|s)>",  # Gemma, SentencePiece
    r"\[/?(?:INST|SYSTEM_PROMPT|AVAILABLE_TOOLS|TOOL_RESULTS|TOOL_CALLS|TOOL_CONTENT|IMG|IMG_BREAK|IMG_END)\]",
    r"<</?SYS>>",  # Llama 2, Mistral v1
    r"<(?:im_start|im_end|im_sep|end_of_text|eot)>",
)
_MIN_TOKEN_CHARS = 3  # one- or two-character "control" strings would eat ordinary text


class ControlTokens:
    """Removes the common template tokens and the given vocabulary's control tokens from text."""

    def __init__(self, vocabulary: Iterable[str] = ()) -> None:
        words = sorted({word for word in vocabulary if len(word.strip()) >= _MIN_TOKEN_CHARS}, key=len, reverse=True)
        self.vocabulary = frozenset(words)
        self._pattern = re.compile("|".join([*(re.escape(word) for word in words), *COMMON_PATTERNS]))

    def remove(self, text: str) -> str:
        """Each token becomes a space, until none is left (a removal must not join the halves of another)."""
        while True:
            cleaned = self._pattern.sub(" ", text)
            if cleaned == text:
                return cleaned
            text = cleaned

    def found(self, text: str) -> list[str]:
        return self._pattern.findall(text)


COMMON = ControlTokens()
