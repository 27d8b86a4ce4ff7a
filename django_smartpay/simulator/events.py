"""Events: what business rules emitted becomes an ``event`` object and one delivery per receiver.

Body shape (spec §7.3): ``{"id":"evt_test_…","object":"event","createdAt":ms,"test":bool,
"eventData":{"type":…,"version":"2022-02-18","data":<object, unexpanded>}}``.  The body bytes are
fixed when the event is created; every delivery attempt signs those same bytes.
"""

from __future__ import annotations

from typing import Any

from .context import Ctx
from .render import dumps
from .resources.webhook_endpoints import receivers

EVENT_VERSION = "2022-02-18"


def commit(ctx: Ctx) -> list[dict[str, Any]]:
    """Store the events ``ctx`` collected and queue their deliveries (call with the store lock held)."""
    created = []
    for event_type, data in ctx.events:
        event = {
            "id": ctx.new_id("evt"),
            "object": "event",
            "createdAt": ctx.now,
            "test": not ctx.account.live,
            "eventData": {"type": event_type, "version": EVENT_VERSION, "data": data},
        }
        ctx.store.add(ctx.account, event)
        body = dumps(event)
        for endpoint in receivers(ctx, event_type):
            ctx.sim.deliveries.queue(ctx.account, event, endpoint, body, ctx.now)
        created.append(event)
    ctx.events.clear()
    return created
