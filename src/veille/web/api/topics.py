"""``/api/v1/topics``: saved queries, with every version kept."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Response

from veille.errors import Conflict, tr
from veille.query import topics as service
from veille.web.api.auth import Writer, reader
from veille.web.api.common import api_router, created
from veille.web.api.models import TopicDetail, TopicIn, TopicOut, TopicUpdate, TopicVersionOut
from veille.web.deps import workspace
from veille.workspace import Workspace

router = api_router("topics")
Ws = Annotated[Workspace, Depends(workspace)]


@router.get("/topics", response_model=list[TopicOut], summary="List topics", dependencies=[reader])
def list_topics(ws: Ws) -> list[TopicOut]:
    flagged = service.inbox_topics(ws.store)
    return [TopicOut.of(t, inbox=t.name in flagged) for t in service.list_topics(ws.store)]


@router.get(
    "/topics/{name}", response_model=TopicDetail, summary="Get a topic", dependencies=[reader]
)
def get_topic(name: str, ws: Ws) -> TopicDetail:
    """The topic, its versions (oldest first) and how many stored posts it
    matches (0 when its stored query no longer reads: ``query_error`` says why)."""
    found = service.get_topic(ws.store, name)
    topic = TopicOut.of(found, inbox=found.name in service.inbox_topics(ws.store))
    matches = 0 if topic.query_error else service.match_count(ws.store, name)
    return TopicDetail(
        **topic.model_dump(),
        versions=[
            TopicVersionOut(version=v.version, query=v.query, created_at=v.created_at)
            for v in service.versions(ws.store, name)
        ],
        matches=matches,
    )


@router.post(
    "/topics",
    response_model=TopicOut,
    status_code=201,
    summary="Create a topic",
)
def create_topic(body: TopicIn, ws: Ws, user: Writer, response: Response) -> TopicOut:
    topic = service.add_topic(
        ws.store, body.name, body.query, inbox=body.inbox, actor=user.username
    )
    created(response, "topics", topic.name)
    return TopicOut.of(topic, inbox=body.inbox)


@router.put(
    "/topics/{name}",
    response_model=TopicOut,
    summary="Give a topic a new query",
)
def update_topic(name: str, body: TopicUpdate, ws: Ws, user: Writer) -> TopicOut:
    """A new version of the topic's query (none when the query is unchanged);
    ``inbox``, when given, flags or unflags the topic for the inbox.
    With ``version``, a compare-and-set: refused (409 conflict) when another
    client saved another query since that version, as the topic's page does."""
    try:
        change = service.change_topic(
            ws.store, name, body.query, inbox=body.inbox, actor=user.username,
            based_on=body.version,
        )  # fmt: skip
    except Conflict as exc:  # the page's words speak of a form opened: say the API's way
        saved = service.get_topic(ws.store, name)
        now = saved.version
        raise Conflict(
            tr("topic %(name)s is at version %(now)s, not at the version %(was)s sent in "
               "\"version\": another API client or a user of the web app saved version "
               "%(now)s since, with the query: %(query)s",
               name=saved.name, now=now, was=body.version, query=saved.query),
            hint=tr("Nothing was saved: read the topic again (GET /api/v1/topics/%(name)s), "
                    "make your change on its version %(now)s and send it with "
                    "\"version\": %(now)s.", name=name, now=now),
        ) from exc  # fmt: skip
    return TopicOut.of(change.topic, inbox=change.inbox)


@router.delete("/topics/{name}", status_code=204, summary="Delete a topic")
def delete_topic(name: str, ws: Ws, user: Writer) -> Response:
    service.remove_topic(ws.store, name, actor=user.username, posts=ws.posts)
    return Response(status_code=204)
