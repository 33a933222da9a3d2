"""Reading byte progress from what podman and docker draw on a terminal."""

from __future__ import annotations

from spcs_wizard.images.progress import PushProgress, size
from spcs_wizard.images.push import PushEvent


class Clock:
    """A clock the test moves by hand (rate and time left depend on it)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_sizes_in_both_unit_systems() -> None:
    assert size("409.0", "b") == 409
    assert size("1.5", "KiB") == 1536
    assert size("16.0", "MiB") == 16 * 1024**2
    assert size("1.2", "MB") == 1_200_000
    assert size("2", "GB") == 2_000_000_000


def test_podman_bars_give_bytes_rate_and_time_left() -> None:
    clock = Clock()
    p = PushProgress(clock)
    assert p.feed("Getting image source signatures") is None
    p.feed("Copying blob 4377311da963 [==>-------] 4.0MiB / 16.0MiB")
    p.feed("Copying blob 99aa11bb22cc skipped: already exists")
    clock.now += 2
    moved = p.feed("Copying blob 4377311da963 [=====>----] 8.0MiB / 16.0MiB")
    assert moved is not None
    assert moved[0] == "4377311da963"
    assert (p.done, p.total) == (8 * 1024**2, 16 * 1024**2)  # the skipped layer adds nothing
    assert p.layers["99aa11bb22cc"].skipped
    assert p.rate == 4 * 1024**2  # 8 MiB in 2 s
    assert p.eta == 2.0
    p.feed("Copying blob 4377311da963 [==>-------] 2.0MiB / 16.0MiB")  # a redraw going back
    assert p.done == 8 * 1024**2  # never backwards
    p.feed("Copying blob 4377311da963 done")
    assert p.done == p.total
    assert p.eta == 0.0


def test_docker_lines_too() -> None:
    p = PushProgress(Clock())
    p.feed("5f70bf18a086: Layer already exists")
    p.feed("a1b2c3d4e5f6: Pushing [=====>     ]  1.2MB/16MB")
    assert (p.done, p.total) == (1_200_000, 16_000_000)
    p.feed("a1b2c3d4e5f6: Pushed")
    assert p.done == p.total == 16_000_000
    assert p.layers["5f70bf18a086"].skipped


def test_only_passing_failures_are_tried_again() -> None:
    from spcs_wizard.images.push import TRANSIENT

    passing = [
        "dial tcp 127.0.0.1:5000: connect: connection refused",
        "received unexpected HTTP status: 503 Service Unavailable",
        "read: connection reset by peer",
        "net/http: TLS handshake timeout",
    ]
    lasting = [
        "Copying blob 5021ab34cd56\nunauthorized: authentication required",
        "denied: requested access to the resource is denied",
        "manifest invalid",
    ]
    assert all(TRANSIENT.search(text) for text in passing)
    assert not any(TRANSIENT.search(text) for text in lasting)


def test_each_way_an_image_ends_is_said_on_its_bar() -> None:
    """Pushed, already there, or (a rehearsal) recorded without a byte sent: never
    "pushed" for an image that was only noted."""
    from io import StringIO

    from rich.console import Console

    from spcs_wizard.cli.push_bars import PushBars

    bars = PushBars(Console(file=StringIO(), width=100))
    try:
        for image, kind in (("milvus", "done"), ("gateway", "skipped"), ("jupyter", "recorded")):
            bars.start_image(image)
            bars(PushEvent(kind, "sha256:0123"))
        said = {task.description for task in bars.progress.tasks}
    finally:
        bars.close()
    assert said == {
        "milvus pushed",
        "gateway already in the repository",
        "jupyter recorded (rehearsal: nothing sent)",
    }
