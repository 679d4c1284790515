"""Any OpenAI-compatible chat server (vLLM, llama.cpp server, Albert API), streamed over SSE with httpx."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from assistant.llm.base import (
    BaseChatModel,
    ChatMessage,
    FinishReason,
    LLMError,
    LLMUnavailable,
    PromptTooLong,
    StreamEvent,
    redact,
)

CHARS_PER_TOKEN = 3.5
_BODY_EXCERPT = 300
_UNPROBED = "unprobed"
_CHAT_PATH = "/v1/chat/completions"
_ATTEMPTS = 2
_STALE_CONNECTION = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


def estimate_tokens(text: str) -> int:
    """A deliberately high estimate: French runs at about 3.5-4.5 characters per token."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def public_url(url: str) -> str:
    """The URL without any user:password part, fit for error messages and logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host  # IPv6 literal
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))


class OpenAICompatibleChatModel(BaseChatModel):
    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 120.0,
        context_window: int = 4096,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = model
        self.context_window = context_window
        self._root_url = base_url.rstrip("/").removesuffix("/v1")
        self._api_key = api_key
        self._timeout_s = timeout_s
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            base_url=self._root_url, headers=headers, timeout=timeout_s, transport=transport)
        self._tokenize_path: str | None = _UNPROBED
        self._probe_lock = threading.Lock()

    @property
    def url(self) -> str:
        """The server root, without credentials."""
        return public_url(self._root_url)

    def close(self) -> None:
        self._client.close()

    def load(self) -> None:
        """Check that the server answers and accepts our credentials."""
        with self._errors_translated("/v1/models"):
            response = self._client.get("/v1/models")
            self._raise_for_status(response, "/v1/models")

    def count_tokens(self, text: str) -> int:
        if not text:
            return 0
        with self._probe_lock:
            if self._tokenize_path == _UNPROBED:
                self._tokenize_path = self._probe_tokenizer()
        path = self._tokenize_path
        counted = self._remote_count(path, text) if path else None
        return counted if counted is not None else estimate_tokens(text)

    def stream_events(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None,
        cancel: threading.Event | None,
    ) -> Iterator[StreamEvent]:
        payload: dict[str, Any] = {
            "model": self.name,
            "messages": [{"role": message.role, "content": message.content} for message in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": True,
        }
        if stop:
            payload["stop"] = stop
        with self._errors_translated(_CHAT_PATH):
            for attempt in range(_ATTEMPTS):
                started = False
                try:
                    for event in self._stream_once(payload, cancel):
                        started = True
                        yield event
                    return
                except _STALE_CONNECTION as exc:
                    # A pooled keep-alive connection the server had dropped: nothing was generated.
                    if started or attempt + 1 == _ATTEMPTS:
                        raise LLMError(f"{self._url(_CHAT_PATH)}: the answer stream broke: "
                                       f"{type(exc).__name__}") from exc

    def _stream_once(self, payload: dict[str, Any], cancel: threading.Event | None) -> Iterator[StreamEvent]:
        request = self._client.build_request("POST", _CHAT_PATH, json=payload)
        response = self._client.send(request, stream=True)
        try:
            self._raise_for_status(response, _CHAT_PATH)
            yield from _sse_events(response.iter_lines(), cancel, self._url(_CHAT_PATH))
        finally:
            response.close()  # mid-answer, this drops the connection: the server stops generating

    def _url(self, path: str) -> str:
        return public_url(self._root_url + path)

    def _probe_tokenizer(self) -> str | None:
        """llama.cpp and vLLM serve /tokenize, llama-cpp-python /extras/tokenize; others none."""
        for path in ("/tokenize", "/extras/tokenize"):
            try:
                response = self._client.post(path, json=self._tokenize_body(path, "Bonjour"))
            except httpx.HTTPError:
                return _UNPROBED  # unreachable for now: probe again next time
            if response.is_success and _token_count(response) is not None:
                return path
        return None

    def _remote_count(self, path: str, text: str) -> int | None:
        if path == _UNPROBED:
            return None
        try:
            response = self._client.post(path, json=self._tokenize_body(path, text))
        except httpx.HTTPError:
            return None
        return _token_count(response) if response.is_success else None

    def _tokenize_body(self, path: str, text: str) -> dict[str, Any]:
        if path == "/extras/tokenize":
            return {"input": text, "model": self.name}
        # `content` for llama.cpp, `prompt` and `model` for vLLM; each ignores the others' keys.
        return {"content": text, "prompt": text, "model": self.name, "add_special_tokens": False}

    def _errors_translated(self, path: str) -> AbstractContextManager[None]:
        return _translated_errors(self._url(path), self._timeout_s)

    def _raise_for_status(self, response: httpx.Response, path: str) -> None:
        if response.is_success:
            return
        response.read()
        url = self._url(path)
        status = response.status_code
        body = redact(response.text[:_BODY_EXCERPT], self._api_key)
        if status in (401, 403):
            raise LLMUnavailable(f"{url} refused the credentials (HTTP {status}); check llm.api_key")
        if status == 404:
            raise LLMUnavailable(f"{url}: model {self.name!r} or endpoint not found (HTTP 404): {body}")
        if status == 400 and "context" in body.lower():
            raise PromptTooLong(f"{url}: prompt too long for the model (HTTP 400): {body}")
        if status in (429, 502, 503, 504):
            raise LLMUnavailable(f"{url} is overloaded or down (HTTP {status}): {body}")
        raise LLMError(f"{url} answered HTTP {status}: {body}")


@contextmanager
def _translated_errors(url: str, timeout_s: float) -> Iterator[None]:
    """Turn httpx transport errors into LLMUnavailable naming the URL (never the key: it is a header)."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise LLMUnavailable(f"{url} did not answer within {timeout_s:g} s") from exc
    except httpx.TransportError as exc:
        raise LLMUnavailable(f"cannot reach {url}: {type(exc).__name__}: {exc}") from exc


def _sse_events(lines: Iterator[str], cancel: threading.Event | None, url: str) -> Iterator[StreamEvent]:
    finish: FinishReason | None = None
    for line in lines:
        if cancel is not None and cancel.is_set():
            yield StreamEvent(finish_reason="cancelled")
            return
        if not line.startswith("data:"):
            continue  # blank separators, comments (keep-alives), `event:` lines
        data = line.removeprefix("data:").strip()
        if data == "[DONE]":
            finish = finish or "stop"
            break
        for choice in _parse_event(data, url).get("choices") or []:  # usage-only events have none
            text = (choice.get("delta") or {}).get("content")
            if text:
                yield StreamEvent(text=text)
            if choice.get("finish_reason"):
                finish = "length" if choice["finish_reason"] == "length" else "stop"
    if finish is None:
        # Some servers (llama-cpp-python) fail after sending HTTP 200 by just closing the stream.
        raise LLMError(f"{url}: the answer stream ended unfinished (see the server's log)")
    yield StreamEvent(finish_reason=finish)


def _parse_event(data: str, url: str) -> dict[str, Any]:
    try:
        event = json.loads(data)
    except ValueError as exc:
        raise LLMError(f"{url} sent a malformed event: {data[:_BODY_EXCERPT]!r}") from exc
    if not isinstance(event, dict):
        raise LLMError(f"{url} sent an unexpected event: {data[:_BODY_EXCERPT]!r}")
    if event.get("error"):
        raise LLMError(f"{url} failed mid-stream: {str(event['error'])[:_BODY_EXCERPT]}")
    return event


def _token_count(response: httpx.Response) -> int | None:
    try:
        body = response.json()
    except ValueError:
        return None
    tokens = body.get("tokens") if isinstance(body, dict) else None
    return len(tokens) if isinstance(tokens, list) else None
