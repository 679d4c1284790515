"""Request and response bodies of the JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Mode = Literal["auto", "extractive", "generative"]


class ChatBody(BaseModel):
    message: str = Field(min_length=1, max_length=4000, description="The agent's question, in French.")
    conversation_id: str | None = Field(None, description="Continue this conversation; empty starts one.")
    collections: list[str] | None = Field(None, description="Search only these collections.")
    mode: Mode | None = Field(None, description="Answer mode; empty uses the configured default.")


class SourceCopy(BaseModel):
    """Another file holding the same text (another format, another folder)."""
    document_id: str
    collection: str
    title: str
    source: str
    page: int | None
    url: str


class Source(BaseModel):
    number: int
    document_id: str
    chunk_id: str
    title: str
    source: str
    collection: str
    page: int | None
    section: str
    snippet: str
    score: float = Field(description="Relevance of the source's document to the question, standardised over the "
                         "candidates: higher is better, comparable within one answer only.")
    similarity: float | None
    url: str
    also_at: list[SourceCopy] = Field(default_factory=list, description="The same text in other files: listed "
                                      "here once instead of as further sources.")


class GroundingCheck(BaseModel):
    checked: bool
    refused: bool = Field(description="the generated answer was replaced by the extractive one, with a note")
    reason: str = Field(description="grounded, no_citation or unsupported")
    unsupported: list[str] = Field(description="kinds of the facts absent from the cited sources (amount, date...)")


class ChatAnswer(BaseModel):
    conversation_id: str | None
    message_id: str | None
    answer: str
    mode: str
    grounded: bool
    citations: list[int]
    sources: list[Source]
    timings: dict[str, float]
    data: dict[str, Any] | None = Field(None, description="The table answer of the question's data part, for an "
                                        "analyst (« ..., et combien d'habitants compte la commune ? »).")
    grounding: GroundingCheck | None = Field(
        None, description="generative answers only: the check of its facts against the cited sources")
    maybe_useful: list[SourceCopy] = Field(
        default_factory=list, description="When no passage answers: the closest documents, never quoted.")


class ConversationSummary(BaseModel):
    id: str
    title: str
    created_at: datetime
    updated_at: datetime


class MessageOut(BaseModel):
    id: str
    role: str
    content: str
    mode: str | None
    sources: list[dict[str, Any]]
    created_at: datetime
    rating: int | None


class ConversationOut(ConversationSummary):
    messages: list[MessageOut]


class FeedbackBody(BaseModel):
    rating: Literal[1, -1] = Field(description="1: useful, -1: not useful.")
    comment: str = Field("", max_length=4000, description="Free comment.")


class CollectionOut(BaseModel):
    name: str
    groups: list[str]
    documents: int
