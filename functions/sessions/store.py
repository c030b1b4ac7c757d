"""Session lifecycle storage: webhook events folded into one document per session."""

from __future__ import annotations

from functools import partial

from azure.cosmos.aio import ContainerProxy
from livekit.protocol.webhook import WebhookEvent

from functions.core.cosmos_ops import Document, public, read_one, update_with_retry
from functions.core.paging import continuing, unwrap, wrap
from functions.models import SessionEvent
from functions.sessions.webhook_fold import apply_event, close_as_replaced, new_session

_HIDDEN = ("eventIds", "kind", "tenant")


def _present(doc: Document) -> Document:
    return {k: v for k, v in public(doc).items() if k not in _HIDDEN}


class SessionStore:
    """The `sessions` container (partition key `/sessionId`)."""

    def __init__(self, container: ContainerProxy) -> None:
        self._container = container

    async def record(self, session_id: str, event: WebhookEvent, tenant: str) -> Document:
        """Fold one webhook event into its session; duplicates change nothing.

        ``tenant`` owns the session if this event creates it; a recorded owner stays."""
        doc = await update_with_retry(
            self._container,
            session_id,
            session_id,
            create=lambda: {**new_session(session_id), "tenant": tenant},
            mutate=lambda d: apply_event(d, event),
        )
        return _present(doc)

    async def close_replaced(self, tenant: str, room: str, successor: Document) -> list[str]:
        """Close the tenant's sessions still ``active`` in room ``room`` that started before
        ``successor``: LiveKit holds one room a name at a time, so a newer room of that name
        (a LiveKit server restarted mid-call gives the rejoining call a new room SID) means
        they are over. Each points at the session its call went on in. Their ids."""
        started = successor.get("startedAt")
        if not started:
            return []
        query = (
            "SELECT c.id FROM c WHERE c.kind = 'session' AND c.tenant = @tenant"
            " AND c.roomName = @room AND c.status = 'active' AND c.startedAt < @started"
        )
        params: list[dict[str, object]] = [
            {"name": "@tenant", "value": tenant},
            {"name": "@room", "value": room},
            {"name": "@started", "value": started},
        ]
        stale = [item["id"] async for item in self._container.query_items(query, parameters=params)]
        for session_id in stale:
            await update_with_retry(
                self._container,
                session_id,
                session_id,
                create=partial(new_session, session_id),  # gone meanwhile: closed anyway
                mutate=lambda d: close_as_replaced(d, successor["sessionId"], started),
            )
        return stale

    async def get(self, session_id: str) -> Document | None:
        doc = await read_one(self._container, session_id, session_id)
        if doc is None or doc.get("kind") != "session":
            return None
        return _present(doc)

    async def find(
        self, tenant: str, room: str | None, limit: int, continuation: str | None
    ) -> tuple[list[Document], str | None]:
        """The tenant's sessions, newest first, optionally of one room name.

        A cross-partition query filtered on ``tenant`` (see docs/tenants.md for its cost)."""
        query = "SELECT * FROM c WHERE c.kind = 'session' AND c.tenant = @tenant"
        params: list[dict[str, object]] = [{"name": "@tenant", "value": tenant}]
        if room:
            query += " AND c.roomName = @room"
            params.append({"name": "@room", "value": room})
        query += " ORDER BY c.createdAt DESC"
        # unwrap before the query exists: a refused token then leaves nothing unawaited
        cosmos_token = unwrap(continuation)
        async with continuing(continuation):
            pages = self._container.query_items(
                query, parameters=params, max_item_count=limit
            ).by_page(cosmos_token)
            async for page in pages:
                items = [_present(item) async for item in page]
                token: str | None = getattr(pages, "continuation_token", None)
                return items, wrap(token)
        return [], None

    async def add_events(self, session_id: str, events: list[SessionEvent]) -> int:
        """Store agent-reported events beside the session; re-sent ids overwrite themselves."""
        for event in events:
            await self._container.upsert_item(
                {
                    "id": f"event-{event.id}",
                    "sessionId": session_id,
                    "kind": "agentEvent",
                    "eventId": event.id,
                    "type": event.type,
                    "at": event.at,
                    "data": event.data,
                }
            )
        return len(events)

    async def list_events(self, session_id: str, limit: int) -> list[Document]:
        query = (
            "SELECT * FROM c WHERE c.sessionId = @sid AND c.kind = 'agentEvent' ORDER BY c.at ASC"
        )
        params: list[dict[str, object]] = [{"name": "@sid", "value": session_id}]
        items = self._container.query_items(
            query, parameters=params, partition_key=session_id, max_item_count=limit
        )
        out: list[Document] = []
        async for item in items:
            out.append(
                {
                    "id": item["eventId"],
                    "type": item["type"],
                    "at": item["at"],
                    "data": item["data"],
                }
            )
            if len(out) >= limit:
                break
        return out

    async def get_raw(self, session_id: str) -> Document | None:
        """The stored document, including what the API does not show."""
        return await read_one(self._container, session_id, session_id)
