"""What a reader does in Jupyter: a lab cell that fails, and "interrupt kernel" in the middle of a run.
Either way the environment is gone at once, while the kernel is still alive (not only at exit)."""

from __future__ import annotations

import pytest
from jupyter_client.manager import start_new_kernel

from .conftest import TEST_DAGS, labelled_objects
from .test_failures import wait_for_task_state

pytestmark = pytest.mark.docker


@pytest.fixture
def kernel():
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        yield manager, client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def execute(client, code: str, timeout: float = 300) -> dict:
    msg_id = client.execute(code)
    reply = client.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = client.get_shell_msg(timeout=timeout)
    return reply["content"]


def test_a_failing_lab_cell_leaves_nothing_behind(kernel, no_leftovers):
    _, client = kernel
    reply = execute(
        client,
        "from airflow_lab.environment import local\n"
        f"with local(dags={str(TEST_DAGS / 'failing')!r}).start() as lab:\n"
        "    result = lab.run('always_fails')\n"
        "    assert result.state == 'success', 'this lab fails on purpose'\n",
    )
    assert reply["status"] == "error" and reply["ename"] == "AssertionError", reply
    assert not any(labelled_objects().values()), labelled_objects()


def test_interrupting_the_kernel_mid_run_leaves_nothing_behind(kernel, no_leftovers):
    manager, client = kernel
    msg_id = client.execute(
        "from airflow_lab.environment import local\n"
        f"with local(dags={str(TEST_DAGS / 'slow')!r}).start() as lab:\n"
        "    lab.run('sleeps')\n"
    )
    # interrupt in the middle of the run: Airflow recorded its task as running
    wait_for_task_state("sleeps", "nap", "running", alive=manager.is_alive)
    manager.interrupt_kernel()
    reply = client.get_shell_msg(timeout=120)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = client.get_shell_msg(timeout=120)
    assert reply["content"]["ename"] == "KeyboardInterrupt", reply["content"]
    assert not any(labelled_objects().values()), labelled_objects()
