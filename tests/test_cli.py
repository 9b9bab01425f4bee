"""The airflow-lab command line: arguments are checked before anything starts."""

from __future__ import annotations

import pytest
from airflow_lab.cli import main, parser


def test_run_requires_dags_and_dag_id(capsys):
    with pytest.raises(SystemExit) as exit_:
        parser().parse_args(["run", "local"])
    assert exit_.value.code == 2
    assert "--dags" in capsys.readouterr().err


def test_conf_must_be_a_json_object(capsys):
    for bad in ("{not json", "[1, 2]"):
        with pytest.raises(SystemExit):
            parser().parse_args(["run", "local", "--dags", "dags", "--dag-id", "x", "--conf", bad])
    assert "JSON" in capsys.readouterr().err


def test_config_options_name_section_and_option():
    args = parser().parse_args(["up", "local", "--config", "core.parallelism=4", "--config", "a.b=c=d"])
    assert args.config == [("core__parallelism", "4"), ("a__b", "c=d")]
    with pytest.raises(SystemExit):
        parser().parse_args(["up", "local", "--config", "parallelism=4"])


def test_unsupported_airflow_version_is_refused():
    with pytest.raises(SystemExit):
        parser().parse_args(["up", "local", "--airflow-version", "1.10.15"])


def test_a_missing_dag_folder_exits_2_with_a_message(capsys, tmp_path):
    code = main(["run", "local", "--dags", str(tmp_path / "missing"), "--dag-id", "x"])
    assert code == 2
    assert "does not exist" in capsys.readouterr().err


def test_no_docker_engine_is_a_clear_error(capsys, no_docker_engine):
    code = main(["run", "local", "--dags", "dags/executors", "--dag-id", "local_fanout"])
    assert code == 2
    err = capsys.readouterr().err
    assert "No Docker engine answers" in err and "apt-get install" in err


def test_celery_options_are_refused_for_the_local_environment(capsys):
    code = main(["run", "local", "--dags", "dags/executors", "--dag-id", "x", "--workers", "2"])
    assert code == 2
    assert "celery environment only" in capsys.readouterr().err


def test_queues_give_one_worker_per_group():
    from airflow_lab.cli import _environment

    args = parser().parse_args(["up", "celery", "--queues", "high_io,default;default", "--worker-concurrency", "3"])
    env = _environment(args)
    assert [(w.queues, w.concurrency) for w in env.workers] == [(("high_io", "default"), 3), (("default",), 3)]


def test_bucket_options_need_an_s3_source(capsys):
    code = main(["run", "local", "--dags", "dags/executors", "--dag-id", "x", "--upload", "dags/cicd"])
    assert code == 2
    assert "--upload and --sync-interval apply to --dags s3://BUCKET/PREFIX only" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["--dags", "s3://dags/release"], "needs --upload DIR"),
        (["--dags", "s3://dags", "--upload", "dags/cicd"], "use s3://BUCKET/PREFIX"),
        (["--dags", "s3://dags/release", "--upload", "dags/missing"], "does not exist"),
        (
            ["--dags", "s3://dags/release", "--upload", "dags/cicd", "--airflow-version", "2.11.2"],
            "Fix: add --sync-interval SECONDS",
        ),
    ],
)
def test_a_bad_bucket_source_exits_2_before_anything_starts(capsys, no_docker_engine, argv, error):
    code = main(["run", "local", "--dag-id", "cicd_release", *argv])  # it must fail before it needs Docker
    assert code == 2
    err = capsys.readouterr().err
    assert error in err and "Docker" not in err, err
