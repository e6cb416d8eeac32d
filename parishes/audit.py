from .models import Area, AuditEvent, Council


def record(
    *,
    actor,
    action: str,
    area: Area,
    summary: str,
    council: Council | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Write one audit record; called by services inside their transaction."""
    return AuditEvent.objects.create(
        area=area,
        council=council,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        summary=summary[:300],
        before=before,
        after=after,
    )
