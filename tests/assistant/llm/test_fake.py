import threading

import pytest

from assistant.llm.base import ChatMessage, ChatModel, LLMError, LLMUnavailable
from assistant.llm.fake import FakeChatModel

QUESTION = [ChatMessage("user", "Quels sont les horaires de la mairie ?")]


def stream(model: FakeChatModel, **options: object) -> list[str]:
    arguments: dict = {"max_tokens": 100, "temperature": 0.0, **options}
    return list(model.stream_chat(QUESTION, **arguments))


def test_streams_the_scripted_replies_word_by_word_in_order() -> None:
    model = FakeChatModel(["La mairie ouvre à 9 h.", "Second"])
    assert stream(model) == ["La", " mairie", " ouvre", " à", " 9", " h."]
    assert stream(model) == ["Second"]
    assert model.calls == [QUESTION, QUESTION]


def test_satisfies_the_chat_model_protocol() -> None:
    assert isinstance(FakeChatModel([]), ChatModel)


def test_reply_function_sees_the_messages() -> None:
    model = FakeChatModel(lambda messages: f"Reçu : {messages[-1].content}")
    assert "".join(stream(model)) == "Reçu : Quels sont les horaires de la mairie ?"


def test_max_tokens_truncates_and_reports_length() -> None:
    completion = FakeChatModel(["un deux trois quatre"]).chat(QUESTION, max_tokens=2, temperature=0)
    assert (completion.text, completion.finish_reason) == ("un deux", "length")
    assert completion.completion_tokens == 2


def test_stop_sequence_cuts_the_reply() -> None:
    completion = FakeChatModel(["Réponse. FIN du texte"]).chat(
        QUESTION, max_tokens=50, temperature=0, stop=["FIN"])
    assert completion.text == "Réponse."
    assert completion.finish_reason == "stop"


def test_cancel_stops_the_stream() -> None:
    cancel = threading.Event()
    deltas = []
    model = FakeChatModel(["a b c d e"])
    for delta in model.stream_chat(QUESTION, max_tokens=9, temperature=0, cancel=cancel):
        deltas.append(delta)
        cancel.set()
    assert deltas == ["a"]


def test_chat_reports_tokens_and_cancellation() -> None:
    cancel = threading.Event()
    cancel.set()
    completion = FakeChatModel(["a b"]).chat(QUESTION, max_tokens=9, temperature=0, cancel=cancel)
    assert (completion.text, completion.finish_reason, completion.completion_tokens) == ("", "cancelled", 0)
    assert completion.prompt_tokens > FakeChatModel([]).count_tokens(QUESTION[0].content)


def test_scripted_exception_is_raised() -> None:
    model = FakeChatModel([LLMUnavailable("http://llm.local unreachable")])
    with pytest.raises(LLMUnavailable, match=r"llm\.local"):
        stream(model)


def test_exhausted_script_is_an_error() -> None:
    with pytest.raises(LLMError, match="no scripted reply"):
        stream(FakeChatModel([]))
