"""An invalidation asked for, from the page or the API alike: its preview, the
confirmation it needs above the threshold, and its start."""

from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.own_data import replica_refusal
from cacheadmin.gateways.problems import BAD_REQUEST, Problem
from cacheadmin.gateways.service_calls import call_redis
from cacheadmin.invalidation import engine, jobs
from cacheadmin.invalidation.forms import InvalidationForm
from cacheadmin.models import InvalidationJob
from cacheadmin.web.audit import audit_unmade


class Step(Enum):
    REFUSED = "refused"  # no preview: the target is not valid or a service failed
    PREVIEWED = "previewed"  # a preview was asked for, and nothing more
    UNCONFIRMED = "unconfirmed"  # above the threshold, and not confirmed
    STARTED = "started"  # a job was made; it may have failed at once (problem)


@dataclass(frozen=True)
class RequestOutcome:
    step: Step
    preview: engine.Preview | None = None
    job: InvalidationJob | None = None
    problem: Problem | None = None


def invalidation_request(
    *, user: AbstractBaseUser, instance: Instance, form: InvalidationForm, preview_only: bool
) -> RequestOutcome:
    """Preview the form's target on the instance; unless only a preview is asked for,
    start a job when it is confirmed. The form must be valid."""
    target = form.build_target()
    preview, problem = target_preview(instance=instance, target=target)
    if not problem and not preview_only:
        problem = replica_refusal(instance)
    if problem:
        if not preview_only:
            _audit_unstarted(user=user, instance=instance, target=target, problem=problem)
        return RequestOutcome(Step.REFUSED, problem=problem)
    if preview_only:
        return RequestOutcome(Step.PREVIEWED, preview)
    if not is_confirmed(form=form, preview=preview):
        return RequestOutcome(Step.UNCONFIRMED, preview)
    data = form.cleaned_data
    job = jobs.job_create(
        user=user, instance=instance, target=target, estimate=preview.estimate, rate=data["rate"]
    )
    job, problem = jobs.job_start(job=job)
    return RequestOutcome(Step.STARTED, preview, job, problem)


def target_preview(
    *, instance: Instance, target: engine.Target
) -> tuple[engine.Preview | None, Problem | None]:
    """How much the target holds; a target that cannot be invalidated as given is the
    caller's mistake (bad_request)."""

    def ask(space) -> tuple[engine.Preview | None, Problem | None]:
        try:
            return engine.preview(space, target), None
        except engine.TargetError as error:
            return None, Problem(BAD_REQUEST, str(error))

    answer, problem = call_redis(ask, instance=instance)
    return answer or (None, problem)


def _audit_unstarted(
    *, user: AbstractBaseUser, instance: Instance, target: engine.Target, problem: Problem
) -> None:
    """A start asked for and not made: refused (the target), or failed (a service)."""
    audit_unmade(
        user=user,
        instance=instance,
        action=f"invalidate.{target.kind}",
        target=target.label(),
        problem=problem,
    )


def is_confirmed(*, form: InvalidationForm, preview: engine.Preview) -> bool:
    """Below the threshold, and counted, no confirmation is needed; above it or when
    only estimated, the typed target or the estimated count."""
    if not preview.estimated and preview.estimate <= settings.INVALIDATION_CONFIRM_THRESHOLD:
        return True
    data = form.cleaned_data
    answer = data["confirm"].strip()
    typed = data["model"] if data["kind"] == "model" else data["target"]
    return bool(answer) and answer in (typed, str(preview.estimate), f"{preview.estimate:,}")


def unconfirmed_message(preview: engine.Preview) -> str:
    if preview.estimated and not preview.estimate:
        return (
            f"No key matched among the {preview.examined or 0:,} examined of about "
            f"{preview.keys or 0:,}, but the rest may hold some, and a job looks at every "
            "key: send confirm with the pattern (or target)."
        )
    about = "about " if preview.estimated else ""
    return (
        f"This would delete {about}{preview.estimate:,} keys: send confirm with the "
        "pattern (or target) or with the estimated count."
    )
