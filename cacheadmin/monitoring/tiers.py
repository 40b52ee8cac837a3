"""How long samples are kept, and at which step: the sampler's own samples for an hour,
then one a minute for a day, then one each 10 minutes for SAMPLE_RETENTION_DAYS. A
series then costs about 360 + 1,440 + 144 a day rows, whatever its age."""

from dataclasses import dataclass

from django.conf import settings

HOUR, DAY = 3600, 86400
MINUTE_STEP, TEN_MINUTE_STEP = 60, 600


@dataclass(frozen=True)
class Tier:
    step: int  # seconds a sample stands for
    keep: int  # seconds it is kept


def raw_step() -> int:
    """The sampler's own step: SAMPLE_SECONDS, whole seconds."""
    return max(1, round(settings.SAMPLE_SECONDS))


def tiers() -> tuple[Tier, ...]:
    """Finest first; none kept longer than SAMPLE_RETENTION_DAYS."""
    retention = round(settings.SAMPLE_RETENTION_DAYS * DAY)
    return (
        Tier(raw_step(), min(HOUR, retention)),
        Tier(MINUTE_STEP, min(DAY, retention)),
        Tier(TEN_MINUTE_STEP, retention),
    )


def tier_for(span: float) -> Tier:
    """The finest tier that still holds a chart of span seconds."""
    return next((tier for tier in tiers() if tier.keep >= span), tiers()[-1])
