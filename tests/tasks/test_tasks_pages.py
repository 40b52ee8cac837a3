"""The Tasks page and /api/workers, against a real RQ worker, as a viewer sees them."""

from rq import Queue, SimpleWorker

HOSTILE = '<b id="x">queue</b>'


def test_the_page_shows_rqs_queues_registries_and_workers(
    services, viewer_client, redis_client, busy_worker
):
    Queue(HOSTILE, connection=redis_client).enqueue("builtins.len", "x")
    page = viewer_client.get("/tasks/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<b id="x">' not in html and "&lt;b id=&quot;x&quot;&gt;queue&lt;/b&gt;" in html
    assert f'data-figure="queued-{HOSTILE}"' not in html  # the attribute is escaped too
    assert 'data-figure="rq-queue"' in html and 'data-figure="worker">w-slow' in html
    assert f'href="/tasks/job?id={busy_worker.id}" data-figure="current-job"' in html
    assert 'href="/tasks/" aria-current="page"' in html


def test_the_api_lists_the_workers(services, viewer_client, busy_worker):
    answer = viewer_client.get("/api/workers")
    assert answer.status_code == 200
    (worker,) = answer.json()["items"]
    assert (worker["framework"], worker["name"], worker["queues"]) == ("rq", "w-slow", ["slow"])


def test_no_rq_says_so(services, viewer_client):
    html = viewer_client.get("/tasks/").content.decode()
    assert "No RQ queue on this instance" in html and "No RQ worker is registered" in html


def test_a_user_without_a_role_sees_nothing(services, client, nobody):
    client.force_login(nobody)
    assert client.get("/tasks/").status_code in (403, 404)
    assert client.get("/api/workers").status_code in (403, 404)


def test_a_queues_failed_jobs_page_and_api(services, viewer_client, redis_client):
    jobs = Queue(HOSTILE, connection=redis_client)
    jobs.enqueue("builtins.int", "<script>alert(1)</script>")
    SimpleWorker([jobs], connection=redis_client).work(burst=True)
    listed = viewer_client.get("/tasks/").content.decode()
    assert "/tasks/jobs?queue=" in listed and "state=failed" in listed
    page = viewer_client.get("/tasks/jobs", {"queue": HOSTILE, "state": "failed"})
    html = page.content.decode()
    assert page.status_code == 200 and "<script>alert" not in html
    assert "invalid literal for int() with base 10: &#x27;&lt;script&gt;" in html
    call = "builtins.int(&#x27;&lt;script&gt;alert(1)&lt;/script&gt;&#x27;)"
    assert f'data-figure="call" title="{call}">int(' in html  # shortened, in full on hover
    answer = viewer_client.get("/api/tasks", {"queue": HOSTILE, "state": "failed"}).json()
    (task,) = answer["items"]
    assert (task["state"], task["queue"], answer["pages"]) == ("failed", HOSTILE, 1)
    assert task["error"].startswith("ValueError: invalid literal")
    refused = viewer_client.get("/api/tasks", {"queue": HOSTILE, "state": "lost"})
    assert refused.status_code == 400 and "state" in refused.json()["fields"]


def test_a_jobs_page_shows_its_call_arguments_and_traceback(services, viewer_client, redis_client):
    jobs = Queue("jobs", connection=redis_client)
    job = jobs.enqueue("builtins.int", "<i>not</i> a number", base=10)
    SimpleWorker([jobs], connection=redis_client).work(burst=True)
    page = viewer_client.get("/tasks/job", {"id": job.id})
    html = page.content.decode()
    assert page.status_code == 200 and "<i>not</i>" not in html
    assert "&#x27;&lt;i&gt;not&lt;/i&gt; a number&#x27;, base=10" in html  # the arguments
    assert 'data-figure="traceback">Traceback (most recent call last)' in html
    answer = viewer_client.get(f"/api/tasks/{job.id}", {"framework": "rq"}).json()
    assert (answer["state"], answer["arguments"]["readable"]) == ("failed", True)
    assert answer["results"][0]["type"] == "failed"
    assert answer["results"][0]["traceback"].rstrip().endswith("'<i>not</i> a number'")
    missing = viewer_client.get("/api/tasks/no-such-job")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    missing_page = viewer_client.get("/tasks/job", {"id": "no-such-job"})
    assert missing_page.status_code == 404
    html = missing_page.content.decode()
    assert 'data-field="no-job"' in html
    assert 'href="/tasks/job?framework=celery&amp;id=no-such-job" data-field="try-celery"' in html


def test_arguments_that_are_objects_are_not_read(services, viewer_client, redis_client):
    job = Queue("jobs", connection=redis_client).enqueue("builtins.print", Exception("boom"))
    answer = viewer_client.get(f"/api/tasks/{job.id}").json()
    assert answer["arguments"]["readable"] is False
    assert "builtins.Exception" in answer["arguments"]["why"]
    html = viewer_client.get("/tasks/job", {"id": job.id}).content.decode()
    assert "not shown" in html and answer["call"].startswith("builtins.print(")


def test_an_id_rq_would_refuse_is_a_clear_400(services, viewer_client):
    answer = viewer_client.get("/api/tasks/%3C%02%C2%A1")
    assert answer.status_code == 400 and "letters, digits" in answer.json()["fields"]["id"][0]
    assert viewer_client.get("/tasks/job", {"id": "<\x02"}).status_code == 404


def test_a_job_is_found_by_its_id_from_the_tasks_page(services, viewer_client, redis_client):
    page = viewer_client.get("/tasks/").content.decode()
    assert 'data-field="find-task"' in page and 'name="framework"' in page
    job = Queue("jobs", connection=redis_client).enqueue("builtins.len", "x")
    found = viewer_client.get("/tasks/job", {"id": job.id, "framework": "rq"})
    assert found.status_code == 200 and job.id in found.content.decode()
