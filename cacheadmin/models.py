"""The dashboard's own records."""

import uuid

from django.conf import settings
from django.db import models


def instance_field() -> models.CharField:
    """Which instance (cacheadmin.gateways.instances) a record is about."""
    return models.CharField(max_length=63, default="default", db_index=True)


class Access(models.Model):
    """Holds the role permissions; no table (see cacheadmin.web.roles)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_dashboard", "Can look at every page of the dashboard"),
            ("operate", "Can invalidate, purge, publish and change TTLs"),
        ]

    def __str__(self) -> str:
        return "dashboard access"


class InstanceRole(models.Model):
    """A user's role on one instance. A user with any of these has exactly these: the
    instances named, with these roles, and no other (the viewer and operator groups
    then no longer apply). Superusers operate everywhere."""

    class Role(models.TextChoices):
        VIEWER = "viewer", "viewer"
        OPERATOR = "operator", "operator"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="instance_roles"
    )
    instance = models.CharField(max_length=63)
    role = models.CharField(max_length=16, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "instance"], name="one_role_an_instance")
        ]

    def __str__(self) -> str:
        return f"{self.role} on {self.instance}"


class AuditEntry(models.Model):
    """One mutating action: who, when, what, on what, how many, and how it ended."""

    class Outcome(models.TextChoices):
        OK = "ok", "succeeded"
        FAILED = "failed", "failed"
        REFUSED = "refused", "refused"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Kept apart from the foreign key so the entry still names its author
    # after the account is deleted.
    username = models.CharField(max_length=150)
    instance = instance_field()
    action = models.CharField(max_length=64, db_index=True)
    target = models.TextField(blank=True)
    count = models.BigIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, db_index=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.outcome}"


class StepStatus(models.TextChoices):
    """Of work a page advances step by step (namespace scans, consistency checks)."""

    RUNNING = "running", "running"
    STOPPED = "stopped", "stopped"
    DONE = "done", "done"
    FAILED = "failed", "failed"


class NamespaceScan(models.Model):
    """A full scan of a keyspace's namespaces, advanced step by step while someone watches."""

    Status = StepStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    instance = instance_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    db = models.PositiveIntegerField(null=True, blank=True)
    prefix = models.BinaryField(default=b"")
    delimiter = models.BinaryField(default=b":")
    # a SCAN cursor (up to 2**64), or a cluster's: one per primary (core.cluster_scan)
    cursor = models.TextField(default="0")
    examined = models.BigIntegerField(default=0)
    keys = models.BigIntegerField(default=0)
    groups = models.JSONField(default=dict)  # base64 group -> [keys, memory bytes]
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"namespace scan {self.id} ({self.status})"


class ApiToken(models.Model):
    """A personal token for scripts; only its SHA-256 is kept. It acts as its owner."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)  # the first characters, to tell tokens apart
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"


class DeclaredModel(models.Model):
    """An object-cache model written by an application that does not use our library
    (another language, say): declared here instead of in the Redis registry."""

    class Rule(models.TextChoices):
        DIV = "div", "id ÷ size (integer ids)"
        CRC32 = "crc32", "crc32(id) mod count"

    instance = instance_field()
    name = models.CharField(
        max_length=100, help_text="The key prefix: buckets are {name}:{bucket}."
    )
    rule = models.CharField(max_length=8, choices=Rule.choices, default=Rule.DIV)
    rule_size = models.PositiveIntegerField(default=100, help_text="size for div, count for crc32")
    inverted = models.CharField(
        max_length=500, blank=True, help_text="Indexed attributes, comma-separated."
    )
    ttl = models.PositiveIntegerField(default=0, help_text="Seconds; 0 for none.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instance", "name"], name="one_declaration_a_name")
        ]

    def __str__(self) -> str:
        return self.name

    def schema(self) -> dict:
        size_name = "size" if self.rule == self.Rule.DIV else "count"
        return {
            "name": self.name,
            "bucket": {"rule": self.rule, size_name: self.rule_size},
            "inverted": [name.strip() for name in self.inverted.split(",") if name.strip()],
            "ttl": self.ttl,
            "version": 1,
            "serializer": "json",
            "declared": True,
        }


class SampledSeries(models.Model):
    """One figure of one thing on one instance, as the sampler follows it (a queue's
    ready messages, an RQ queue's failed jobs...): what its samples are about, said once
    rather than on every sample. subject tells things of one figure apart (a digest, so
    keys of any length and bytes fit; "" for the instance itself); labels name it for
    people and for Prometheus."""

    instance = instance_field()
    figure = models.CharField(max_length=60)
    subject = models.CharField(max_length=64, blank=True)
    labels = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instance", "figure", "subject"], name="one_series")
        ]

    def __str__(self) -> str:
        return f"{self.figure} of {self.subject[:12] or self.instance}"


class Sample(models.Model):
    """A series' value over one interval of step seconds starting at `at` (unix
    seconds): the sampler's own (step SAMPLE_SECONDS), or a roll-up of them (60, 600).
    Integer times, so intervals are plain arithmetic on every database."""

    series = models.ForeignKey(SampledSeries, on_delete=models.CASCADE, db_index=False)
    step = models.PositiveIntegerField()
    at = models.BigIntegerField()
    value = models.FloatField()

    class Meta:
        # a series' samples of one step in time order (the charts); two samplers, or a
        # round written twice, make one row
        constraints = [
            models.UniqueConstraint(fields=["series", "step", "at"], name="one_sample_a_step")
        ]
        indexes = [models.Index(fields=["step", "at"])]  # roll-ups and pruning

    def __str__(self) -> str:
        return f"{self.series_id} at {self.at} ({self.step} s): {self.value}"


class InstanceSampled(models.Model):
    """When the sampler last wrote a figure of an instance (unix seconds): what
    /metrics tells as each instance's sample age, however long ago, without reading
    the samples."""

    instance = models.CharField(max_length=63, primary_key=True)
    at = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.instance} at {self.at}"


class SamplerLease(models.Model):
    """Who samples: one row, held by one sampler process until `until` (the database's
    clock), renewed every round; another waits and takes over once it runs out.
    last_round says when a round last ended, so the pages can say whether one runs."""

    name = models.CharField(max_length=20, primary_key=True, default="sampler")
    holder = models.CharField(max_length=100, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    last_round = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.holder or 'nobody'}"


class ConsistencyCheck(models.Model):
    """A check of an object-cache model's indexes, advanced step by step while watched:
    objects whose index entries are missing, and index entries pointing at no object."""

    Status = StepStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    instance = instance_field()
    model = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    state = models.JSONField(default=dict)  # phase, cursor and counts (cachemodels.check_step)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"check of {self.model} ({self.status})"


class InvalidationJob(models.Model):
    """An invalidation: what, who asked, how far it got (the checkpoint), how it ended."""

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"
        CANCELLED = "cancelled", "cancelled"

    instance = instance_field()
    kind = models.CharField(max_length=16)
    target = models.BinaryField()
    model = models.CharField(max_length=100, blank=True)
    attribute = models.CharField(max_length=100, blank=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requester_name = models.CharField(max_length=150)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    estimate = models.BigIntegerField(null=True)
    rate = models.PositiveIntegerField(null=True, blank=True)  # keys per second at most
    # the checkpoint: which pattern, which SCAN cursor (up to 2**64; a cluster's: one per
    # primary, core.cluster_scan), counts so far
    phase = models.PositiveSmallIntegerField(default=0)
    cursor = models.TextField(default="0")
    scanned = models.BigIntegerField(default=0)
    deleted = models.BigIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    # the worker running it holds it until lease_until, and renews that at every batch
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # a Sentinel instance's master (its run_id) as the job last saw it, and how many
    # times it changed under the job
    master_run_id = models.CharField(max_length=40, blank=True)
    failovers = models.PositiveSmallIntegerField(default=0)
    # on a Redis Cluster: each primary (by its first slot) -> its node and count so far
    nodes = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"invalidation {self.id} ({self.kind}, {self.status})"


class TaskAction(models.Model):
    """An operator's change to a task framework's jobs: one job (requeue, cancel,
    delete), or every failed job of a queue (requeue, delete), which the worker runs in
    batches when it is large. Every failed job up to `cutoff` (the failed registry's
    newest score when the action began) is its work: a job that fails again, or a new
    failure, is not taken twice. The registry itself is the checkpoint: a job handled
    leaves it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"
        CANCELLED = "cancelled", "cancelled"

    instance = instance_field()
    framework = models.CharField(max_length=16, default="rq")
    action = models.CharField(max_length=16)  # requeue, delete, cancel
    queue = models.TextField(blank=True)
    job_id = models.CharField(max_length=200, blank=True)  # one job's action; else a queue's
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requester_name = models.CharField(max_length=150)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    estimate = models.BigIntegerField(default=0)
    cutoff = models.FloatField(null=True, blank=True)
    done = models.BigIntegerField(default=0)  # jobs requeued or deleted
    expired = models.BigIntegerField(default=0)  # ids left whose job data had expired
    skipped = models.BigIntegerField(default=0)  # failed again after the action began
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"task action {self.id} ({self.action}, {self.status})"


class CeleryTask(models.Model):
    """One Celery task as its events (`celery worker -E`) told it, recorded by
    `manage.py celery_events` (cacheadmin.tasks.celery_recorder): the newest event's
    state, each kind of event's newest time, and the texts the events carried, cut, ""
    where none came (names, arguments and exceptions are the senders' text: shown
    escaped)."""

    instance = models.CharField(max_length=63, default="default")
    task_id = models.CharField(max_length=200)
    name = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=16)
    queue = models.CharField(max_length=200, blank=True)  # from task-sent events only
    args = models.TextField(blank=True)
    kwargs = models.TextField(blank=True)
    retries = models.IntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True)
    received_at = models.DateTimeField(null=True)
    started_at = models.DateTimeField(null=True)
    retried_at = models.DateTimeField(null=True)
    failed_at = models.DateTimeField(null=True)
    rejected_at = models.DateTimeField(null=True)
    revoked_at = models.DateTimeField(null=True)
    succeeded_at = models.DateTimeField(null=True)
    runtime = models.FloatField(null=True)
    result = models.TextField(blank=True)
    exception = models.TextField(blank=True)
    traceback = models.TextField(blank=True)
    root_id = models.CharField(max_length=200, blank=True)
    parent_id = models.CharField(max_length=200, blank=True)
    event_at = models.DateTimeField()  # the newest event's time, as its worker said
    history = models.JSONField(default=list)  # [[kind, unix time], ...] oldest first

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instance", "task_id"], name="one_celery_task")
        ]
        indexes = [
            models.Index(fields=["instance", "-event_at"], name="celery_task_newest"),
            models.Index(fields=["instance", "state", "-event_at"], name="celery_task_state"),
            models.Index(fields=["instance", "queue", "-event_at"], name="celery_task_queue"),
            models.Index(fields=["event_at"], name="celery_task_age"),
        ]

    def __str__(self) -> str:
        return f"Celery task {self.task_id} ({self.state})"


class CeleryWorkerBeat(models.Model):
    """A Celery worker's newest heartbeat (worker-online, -heartbeat, -offline)."""

    instance = models.CharField(max_length=63, default="default")
    hostname = models.CharField(max_length=200)
    heartbeat_at = models.DateTimeField()
    active = models.IntegerField(null=True)
    processed = models.BigIntegerField(null=True)
    freq = models.FloatField(null=True)
    offline = models.BooleanField(default=False)
    software = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instance", "hostname"], name="one_celery_worker")
        ]

    def __str__(self) -> str:
        return f"Celery worker {self.hostname}"


class KeyspaceAnalysis(models.Model):
    """A keyspace analysis (cacheadmin.analysis): where the worker got to (the SCAN
    cursor as text), and the report folded so far (keyspace_report's JSON), written
    after every step, so that a worker that dies leaves it to another to resume."""

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"
        STOPPED = "stopped", "stopped"

    instance = instance_field()
    db = models.PositiveIntegerField(null=True, blank=True)
    prefix = models.BinaryField(default=b"")
    delimiter = models.BinaryField(default=b":")
    depth = models.PositiveSmallIntegerField(default=2)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requester_name = models.CharField(max_length=150)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    cursor = models.TextField(default="0")
    examined = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)  # the keyspace's size when it began
    report = models.JSONField(default=dict)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"keyspace analysis {self.id} ({self.status})"


class AlertRule(models.Model):
    """A condition an operator wants to hear about: a metric of an instance (of one of
    its models or queues) compared with a threshold for a duration. The sampler
    evaluates it each round and keeps its state here; notify holds the URLs (apprise's)
    told when it starts and stops firing, none of them holding a secret (a URL that
    would is written as ${ALERT_...}, an environment variable's name)."""

    class State(models.TextChoices):
        OK = "ok"
        PENDING = "pending"
        FIRING = "firing"

    name = models.CharField(max_length=100)
    instance = instance_field()
    metric = models.CharField(max_length=60)
    model = models.CharField(max_length=100, blank=True)
    queue = models.CharField(max_length=1000, blank=True)
    vhost = models.CharField(max_length=255, blank=True)
    comparison = models.CharField(max_length=2)
    threshold = models.FloatField()
    duration = models.PositiveIntegerField(default=0)  # seconds the condition must hold
    notify = models.JSONField(default=list, blank=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    # kept by the sampler
    state = models.CharField(max_length=8, choices=State.choices, default=State.OK)
    state_since = models.DateTimeField(null=True, blank=True)
    value = models.FloatField(null=True, blank=True)  # the last evaluation's; None: no data
    evaluated_at = models.DateTimeField(null=True, blank=True)
    # each URL's last state told (firing or resolved; or given up on), and the last send
    settled = models.JSONField(default=dict, blank=True)
    last_send_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["instance", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name} on {self.instance}"


class AlertEvent(models.Model):
    """A rule's history: each change of its state, with the value that made it."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(db_index=True)
    state = models.CharField(max_length=8, choices=AlertRule.State.choices)
    value = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.state} at {self.at}"


class AlertSilence(models.Model):
    """No notification of a rule from starts_at to ends_at (or until ended early)."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="silences")
    starts_at = models.DateTimeField(auto_now_add=True)
    ends_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    created_by = models.CharField(max_length=150)

    def __str__(self) -> str:
        return f"{self.rule_id} silenced until {self.ends_at}"


class AlertNotification(models.Model):
    """A change of a rule's state to tell (firing or resolved): sent to each URL once,
    retried where a receiver failed, until sent, given up, or made pointless by a newer
    change or a change of the rule's URLs (superseded)."""

    class Status(models.TextChoices):
        WAITING = "waiting"
        SENT = "sent"
        FAILED = "failed"
        SUPERSEDED = "superseded"

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=8)  # firing or resolved
    urls = models.JSONField(default=list)  # the rule's URLs not told this state yet
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.WAITING)
    value = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_try_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    delivered = models.JSONField(default=list)  # those of urls that took it
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.kind}: {self.status}"
