"""What the monitoring API accepts."""

import time

from django import forms

from cacheadmin.monitoring.figures import FIGURES
from cacheadmin.monitoring.tiers import tiers
from cacheadmin.web.forms import TextForm


class HistoryForm(TextForm):
    metric = forms.ChoiceField(
        choices=[(name, name) for name in FIGURES], help_text="A figure the sampler records."
    )
    model = forms.CharField(required=False, max_length=300, help_text="An object-cache model.")
    queue = forms.CharField(required=False, max_length=1000, help_text="A queue's name.")
    vhost = forms.CharField(required=False, max_length=300, help_text="A RabbitMQ queue's vhost.")
    since = forms.IntegerField(
        required=False, min_value=0, help_text="Unix seconds (default: an hour ago)."
    )
    step = forms.IntegerField(
        required=False, min_value=1, help_text="10, 60 or 600 seconds (default: the finest kept)."
    )

    def clean_step(self) -> int | None:
        step = self.cleaned_data.get("step")
        steps = [tier.step for tier in tiers()]
        if step is not None and step not in steps:
            raise forms.ValidationError(f"The steps kept are {', '.join(map(str, steps))} s.")
        return step

    def clean(self) -> dict:
        """A step's samples reach back as long as they are kept: an older `since` with
        it is refused rather than answered with less than asked."""
        data = super().clean()
        step, since = data.get("step"), data.get("since")
        tier = next((tier for tier in tiers() if tier.step == step), None)
        if tier is not None and since is not None and time.time() - since > tier.keep:
            self.add_error(
                "since",
                f"The {step} s samples are kept for {tier.keep} s: ask a later since, "
                "or a coarser step.",
            )
        return data
