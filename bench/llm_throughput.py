"""Prompt and generation speed of an in-process GGUF model, as the assistant drives it.

    python bench/llm_throughput.py [--model bundled:smollm2] [--runs 3] [--threads N]

Prompt speed = prompt tokens / time to the first token; generation speed = tokens after the first /
time after the first. Each run starts with a different prompt so llama.cpp's prefix cache is not used.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.llm.base import ChatMessage  # noqa: E402
from assistant.llm.llama_cpp import LlamaCppChatModel, resolve_model_path  # noqa: E402

PASSAGE = (
    "Article {n}. La demande de carte nationale d'identité se fait en mairie, sur rendez-vous, avec une "
    "photo d'identité récente, un justificatif de domicile de moins de six mois et, en cas de "
    "renouvellement, l'ancienne carte. Le délai moyen de fabrication est de trois semaines. "
)


def build_messages(run: int, target_tokens: int, model: LlamaCppChatModel) -> list[ChatMessage]:
    system = f"Session {run}. Tu es l'assistant d'une mairie. Réponds en français, en détail."
    passages: list[str] = []
    while model.count_tokens(" ".join(passages)) < target_tokens - 60:
        passages.append(PASSAGE.format(n=len(passages) + 1))
    question = "Explique toute la procédure, étape par étape, avec tous les détails utiles."
    return [ChatMessage("system", system), ChatMessage("user", "\n".join(passages) + "\n\n" + question)]


def measure(
        model: LlamaCppChatModel, messages: list[ChatMessage], max_tokens: int) -> tuple[int, float, float]:
    prompt_tokens = model.count_prompt_tokens(messages)
    started = time.perf_counter()
    first = last = 0.0
    count = 0
    for _ in model.stream_chat(messages, max_tokens=max_tokens, temperature=0.0):
        last = time.perf_counter()
        first = first or last
        count += 1
    prompt_speed = prompt_tokens / (first - started)
    generation_speed = (count - 1) / (last - first) if count > 1 else float("nan")
    return prompt_tokens, prompt_speed, generation_speed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="bundled:smollm2")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--prompt-tokens", type=int, default=400)
    parser.add_argument("--max-tokens", type=int, default=128)
    options = parser.parse_args()
    model = LlamaCppChatModel(
        resolve_model_path(options.model, ROOT / "models"), n_ctx=2048, n_threads=options.threads)
    started = time.perf_counter()
    model.load()
    print(f"{model.name}: loaded in {time.perf_counter() - started:.2f} s, {model.n_threads} threads")
    results = []
    for run in range(options.runs):
        messages = build_messages(run, options.prompt_tokens, model)
        tokens, prompt_speed, generation_speed = measure(model, messages, options.max_tokens)
        results.append((prompt_speed, generation_speed))
        print(f"run {run}: {tokens} prompt tokens, prompt {prompt_speed:.0f} tok/s, "
              f"generation {generation_speed:.1f} tok/s")
    prompt_median = statistics.median(result[0] for result in results)
    generation_median = statistics.median(result[1] for result in results)
    print(f"median: prompt {prompt_median:.0f} tok/s, generation {generation_median:.1f} tok/s")


if __name__ == "__main__":
    main()
