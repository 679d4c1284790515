"""The OpenAI-compatible client against scripted HTTP answers (httpx.MockTransport)."""

import json
import socket
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest

from assistant.llm.base import ChatMessage, LLMError, LLMUnavailable, PromptTooLong
from assistant.llm.openai_compatible import OpenAICompatibleChatModel, estimate_tokens, public_url

KEY = "sk-test-0123456789"
QUESTION = [ChatMessage("user", "Bonjour")]
Handler = Callable[[httpx.Request], httpx.Response]


def sse(*deltas: str, finish: str = "stop") -> httpx.Response:
    events = [{"choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]}]
    events += [{"choices": [{"index": 0, "delta": {"content": d}, "finish_reason": None}]} for d in deltas]
    events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    body = "".join(f"data: {json.dumps(event)}\n\n" for event in events) + ": keep-alive\n\ndata: [DONE]\n\n"
    return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})


def client(handler: Handler, base_url: str = "http://llm.test/v1") -> OpenAICompatibleChatModel:
    return OpenAICompatibleChatModel(
        base_url, "mistral-small", api_key=KEY, transport=httpx.MockTransport(handler))


def test_streams_deltas_and_sends_an_openai_request() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return sse("Bon", "jour", " !")

    model = client(handler)
    deltas = list(model.stream_chat(QUESTION, max_tokens=20, temperature=0.1, stop=["\n\n"]))
    assert deltas == ["Bon", "jour", " !"]
    request = seen[0]
    assert str(request.url) == "http://llm.test/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert json.loads(request.content) == {
        "model": "mistral-small", "messages": [{"role": "user", "content": "Bonjour"}],
        "max_tokens": 20, "temperature": 0.1, "stream": True, "stop": ["\n\n"]}


def test_chat_reports_the_finish_reason_and_estimates_tokens_without_a_tokenizer() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("tokenize"):
            return httpx.Response(404)
        return sse("un ", "deux", finish="length")

    completion = client(handler).chat(QUESTION, max_tokens=2, temperature=0)
    assert (completion.text, completion.finish_reason) == ("un deux", "length")
    assert completion.completion_tokens == estimate_tokens("un deux")


def test_count_tokens_uses_the_server_tokenizer_once_found() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        if request.url.path == "/extras/tokenize":
            text = json.loads(request.content)["input"]
            return httpx.Response(200, json={"tokens": list(range(len(text)))})
        return httpx.Response(404, json={"detail": "Not Found"})

    model = client(handler, base_url="http://llm.test:8000")
    assert model.count_tokens("abc") == 3
    assert model.count_tokens("abcdef") == 6
    assert paths == ["/tokenize", "/extras/tokenize", "/extras/tokenize", "/extras/tokenize"]


def test_cancel_closes_the_stream() -> None:
    cancel = threading.Event()
    model = client(lambda request: sse("a", "b", "c", "d"))
    deltas = []
    for delta in model.stream_chat(QUESTION, max_tokens=9, temperature=0, cancel=cancel):
        deltas.append(delta)
        cancel.set()
    assert deltas == ["a"]
    cancel.clear()
    cancel.set()
    assert model.chat(QUESTION, max_tokens=9, temperature=0, cancel=cancel).finish_reason == "cancelled"


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (401, LLMUnavailable, "refused the credentials"),
        (404, LLMUnavailable, "not found"),
        (503, LLMUnavailable, "overloaded"),
        (400, PromptTooLong, "too long"),
        (500, LLMError, "HTTP 500"),
    ],
)
def test_http_errors_name_the_url_and_never_the_key(status: int, error: type[Exception], words: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, text=f"maximum context length exceeded; your key {KEY} is wrong")

    with pytest.raises(error) as raised:
        list(client(handler).stream_chat(QUESTION, max_tokens=5, temperature=0))
    message = str(raised.value)
    assert words in message and "http://llm.test/v1/chat/completions" in message
    assert KEY not in message


def test_an_unreachable_server_is_unavailable_and_named_without_credentials() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed on exit: nothing listens there
    model = OpenAICompatibleChatModel(f"http://user:{KEY}@127.0.0.1:{port}/v1", "m", timeout_s=2)
    with pytest.raises(LLMUnavailable, match=f"127.0.0.1:{port}/v1/models") as raised:
        model.load()
    assert KEY not in str(raised.value)
    assert model.count_tokens("douze caractères") == estimate_tokens("douze caractères")


def test_a_mid_stream_error_event_is_raised() -> None:
    body = 'data: {"error": {"message": "out of memory"}}\n\n'
    model = client(lambda request: httpx.Response(200, text=body))
    with pytest.raises(LLMError, match="out of memory"):
        list(model.stream_chat(QUESTION, max_tokens=5, temperature=0))


def test_a_stream_cut_before_its_end_is_an_error() -> None:
    body = 'data: {"choices": [{"index": 0, "delta": {"content": "Bon"}, "finish_reason": null}]}\n\n'
    model = client(lambda request: httpx.Response(200, text=body))
    with pytest.raises(LLMError, match="ended unfinished"):
        list(model.stream_chat(QUESTION, max_tokens=5, temperature=0))


def test_a_dropped_keep_alive_connection_is_retried_once() -> None:
    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) == 1:
            raise httpx.ReadError("Connection reset by peer")
        return sse("Bonjour")

    assert list(client(handler).stream_chat(QUESTION, max_tokens=5, temperature=0)) == ["Bonjour"]
    assert len(attempts) == 2


class BreakingStream(httpx.SyncByteStream):
    def __iter__(self) -> Iterator[bytes]:
        yield b'data: {"choices": [{"index": 0, "delta": {"content": "Bon"}, "finish_reason": null}]}\n\n'
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")


def test_a_stream_broken_mid_answer_is_not_retried() -> None:
    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        return httpx.Response(200, stream=BreakingStream())

    deltas: list[str] = []
    with pytest.raises(LLMError, match="stream broke: RemoteProtocolError"):
        deltas.extend(client(handler).stream_chat(QUESTION, max_tokens=5, temperature=0))
    assert deltas == ["Bon"] and len(attempts) == 1


def test_public_url_drops_credentials() -> None:
    assert public_url("https://bob:secret@albert.example:8443/v1") == "https://albert.example:8443/v1"
    assert public_url("http://[::1]:8080") == "http://[::1]:8080"
