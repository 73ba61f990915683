import subprocess
import sys
import textwrap
import threading

from loopguard_shim import ThreadSupervisor


def test_threads_are_named_non_daemon_and_stop_on_shutdown() -> None:
    seen: list[tuple[str, bool]] = []
    lock = threading.Lock()

    def worker(stop: threading.Event, tag: str) -> None:
        with lock:
            current = threading.current_thread()
            seen.append((current.name, current.daemon))
        while not stop.wait(60):
            pass

    supervisor = ThreadSupervisor()
    for i in range(3):
        supervisor.spawn(f"worker-{i}", worker, f"tag-{i}")
    report = supervisor.shutdown(grace=30)
    assert report.all_stopped
    assert sorted(report.stopped) == ["worker-0", "worker-1", "worker-2"]
    assert sorted(seen) == [(f"worker-{i}", False) for i in range(3)]


def test_shutdown_reports_stuck_and_failed_threads() -> None:
    release = threading.Event()

    def stuck(stop: threading.Event) -> None:
        release.wait(60)

    def crash(stop: threading.Event) -> None:
        raise RuntimeError("thread crashed")

    def polite(stop: threading.Event) -> None:
        stop.wait(60)

    supervisor = ThreadSupervisor()
    supervisor.spawn("stuck", stuck)
    supervisor.spawn("crash", crash)
    supervisor.spawn("polite", polite)
    try:
        report = supervisor.shutdown(grace=1.0)
    finally:
        release.set()
    assert report.still_running == ["stuck"]
    assert report.failed == ["crash"]
    assert report.stopped == ["polite"]
    assert not report.all_stopped


def test_context_manager_shuts_down() -> None:
    stopped = threading.Event()

    def worker(stop: threading.Event) -> None:
        stop.wait(60)
        stopped.set()

    with ThreadSupervisor() as supervisor:
        supervisor.spawn("w", worker)
    assert stopped.is_set()


def test_interpreter_exit_stops_and_joins_threads() -> None:
    # Without the exit hook this script would hang: the interpreter joins
    # non-daemon threads before atexit handlers could set the stop event.
    script = textwrap.dedent(
        """
        from loopguard_shim import ThreadSupervisor

        def worker(stop):
            while not stop.wait(60):
                pass
            print("worker stopped", flush=True)

        supervisor = ThreadSupervisor()
        supervisor.spawn("worker", worker)
        print("main done", flush=True)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["main done", "worker stopped"]
