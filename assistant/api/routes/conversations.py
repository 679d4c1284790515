"""A user's own conversations, feedback, export and deletion (never another user's).

Reading and managing conversations needs the agent role, like chatting. The RGPD rights over one's own
data (export, erasure) need only to be logged in: a former agent can still export and erase. Sources of
collections the user may no longer read, and the answers built on them, are withheld at read time.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response, status

from assistant.api.deps import Agent, CurrentUser, Services
from assistant.api.schemas import ConversationOut, ConversationSummary, FeedbackBody, MessageOut
from assistant.conversations import NotFound

router = APIRouter(prefix="/api", tags=["conversations"])


def _not_found() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, "conversation introuvable")


@router.get("/conversations", response_model=list[ConversationSummary])
def list_conversations(user: Agent, services: Services) -> list[Any]:
    return services.conversations.list_for(user.username)


@router.get("/conversations/{conversation_id}", response_model=ConversationOut)
def get_conversation(conversation_id: str, user: Agent, services: Services) -> ConversationOut:
    try:
        view = services.chat.history.conversation(user, conversation_id)
    except NotFound as exc:
        raise _not_found() from exc
    row = view.row
    return ConversationOut(id=row.id, title=row.title, created_at=row.created_at, updated_at=row.updated_at,
                           messages=[MessageOut(**m.__dict__) for m in view.messages])


@router.delete("/conversations/{conversation_id}", status_code=204)
def delete_conversation(conversation_id: str, user: Agent, services: Services) -> Response:
    try:
        services.conversations.delete(user.username, conversation_id)
    except NotFound as exc:
        raise _not_found() from exc
    return Response(status_code=204)


@router.post("/messages/{message_id}/feedback", status_code=204)
def give_feedback(message_id: str, body: FeedbackBody, user: Agent, services: Services) -> Response:
    try:
        services.conversations.set_feedback(user.username, message_id, body.rating, body.comment)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "message introuvable") from exc
    return Response(status_code=204)


@router.get("/me/export", summary="Everything stored about me (RGPD access right), less the content of "
            "documents I may no longer read")
def export_my_data(user: CurrentUser, services: Services) -> dict[str, Any]:
    return services.chat.history.export(user)


@router.delete("/me/conversations", summary="Delete all my conversations (RGPD erasure right)")
def delete_my_data(user: CurrentUser, services: Services) -> dict[str, int]:
    return {"deleted": services.conversations.delete_all(user.username)}
