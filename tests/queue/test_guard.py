"""The worker's allow-list: only drains of its own stages run; foreign jobs fail, never run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import toy_stage
from redis import Redis
from rq import Callback, Queue
from rq.job import Job
from rq.registry import FailedJobRegistry

from gridops.queue import kick
from gridops.queue.drain import SERIALIZER
from gridops.queue.guard import StageJob, StageWorker, refusal


@pytest.fixture
def toy_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    db = tmp_path / "toy.db"
    toy_stage.create(str(db))
    monkeypatch.setenv("TOY_DB", str(db))
    yield db


def fetched(conn: Redis, job: Job) -> StageJob:
    """The job as a gridops worker reads it (JSON, StageJob)."""
    return StageJob.fetch(job.id, connection=conn, serializer=SERIALIZER)


def stage_fields(**changes: object) -> dict[str, object]:
    return toy_stage.TOY.to_job() | changes


def test_only_a_drain_of_a_served_stage_with_its_own_function_passes(redis_conn: Redis) -> None:
    served = {"toy": toy_stage.TOY}
    kick(redis_conn, toy_stage.TOY)
    [drain_id] = Queue("toy", connection=redis_conn).job_ids
    assert refusal(StageJob.fetch(drain_id, connection=redis_conn, serializer=SERIALIZER),
                   served) is None  # fmt: skip
    json_q = Queue("toy", connection=redis_conn, serializer=SERIALIZER)
    drain = "gridops.queue.drain.run_drain"
    cases = {
        "'os.system'": json_q.enqueue("os.system", "true"),
        "toy_stage:leak": json_q.enqueue(drain, stage=stage_fields(func="toy_stage:leak")),
        "'toy-sweep'": json_q.enqueue(drain, stage=stage_fields(name="toy-sweep")),
        "arguments": json_q.enqueue(drain, "extra", stage=stage_fields()),
        "pickle": Queue("toy", connection=redis_conn).enqueue(os.system, "true"),
    }
    for words, job in cases.items():
        reason = refusal(fetched(redis_conn, job), served)
        assert reason is not None and words in reason, (words, reason)


def test_a_worker_fails_foreign_jobs_without_running_them_and_drains_its_own(
    redis_conn: Redis, toy_db: Path
) -> None:
    toy_stage.add_items(str(toy_db), range(12))
    json_q = Queue("toy", connection=redis_conn, serializer=SERIALIZER)
    foreign = [
        json_q.enqueue("toy_stage.leak", "json"),
        json_q.enqueue(
            "gridops.queue.drain.run_drain", stage=stage_fields(func="toy_stage:leak")
        ),  # fmt: skip
        json_q.enqueue("os.getpid", on_failure=Callback(toy_stage.leak)),  # its callback never runs
        Queue("toy", connection=redis_conn).enqueue(toy_stage.leak, "pickle"),
    ]
    kick(redis_conn, toy_stage.TOY)
    StageWorker(["toy"], stages=[toy_stage.TOY], connection=redis_conn).work(
        burst=True, logging_level="WARNING"
    )
    assert not Path(f"{toy_db}.leaked").exists()
    failed = FailedJobRegistry("toy", connection=redis_conn, serializer=SERIALIZER)
    assert sorted(failed.get_job_ids()) == sorted(j.id for j in foreign)
    for job in foreign[:3]:
        assert "refused" in (fetched(redis_conn, job).latest_result().exc_string or "")
    done = toy_stage.connect(str(toy_db))
    assert done.execute("SELECT count(*) FROM items WHERE status = 'done'").fetchone()[0] == 12
    done.close()
