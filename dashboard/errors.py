"""Error reports (the DEBUG page, mailed tracebacks) without service credentials."""

import re

from django.views.debug import SafeExceptionReporterFilter


class ReporterFilter(SafeExceptionReporterFilter):
    # Django hides KEY, SECRET, PASS, TOKEN...; service URLs carry passwords too.
    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|URL|CHANNEL_LAYERS|HOSTS", flags=re.I
    )
