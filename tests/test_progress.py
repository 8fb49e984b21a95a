"""Progress reports: log lines with an ETA for workflow jobs, a bar on a terminal, silence elsewhere."""

import io
import logging
import time

from xraylatent.progress import Progress, timing


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_logs_at_most_every_interval_and_at_the_end(caplog):
    log = logging.getLogger("xraylatent.test")
    with caplog.at_level(logging.INFO, logger="xraylatent.test"):
        progress = Progress(4, "ednn k=1", log, every=3600)
        for _ in range(4):
            progress.advance()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2  # the first update, then nothing for an hour but the end
    assert lines[0].startswith("ednn k=1: 1/4,") and "ETA" in lines[0]
    assert lines[-1].startswith("ednn k=1: 4/4,") and lines[-1].endswith("ETA 0 s")


def test_bar_on_a_terminal_only_without_a_log():
    terminal = Terminal()
    progress = Progress(2, "search", stream=terminal)
    progress.advance(5)  # more than the total is clamped
    assert terminal.getvalue().startswith("\r[" + "#" * 30 + "] search: 2/2") and terminal.getvalue().endswith("\n")
    plain = io.StringIO()
    Progress(2, "search", stream=plain).advance(2)
    assert plain.getvalue() == ""


def test_timing_extrapolates_the_remaining_time_from_the_rate_so_far(monkeypatch):
    monkeypatch.setattr(time, "perf_counter", lambda: 112.0)
    assert timing(100.0, 3, 12) == "12 s elapsed, ETA 36 s"
    assert timing(100.0, 0, 12) == "12 s elapsed, ETA nan s"
