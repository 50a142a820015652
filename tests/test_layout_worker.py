"""Layout worker processes: pages reported back, a layout under way ended on request."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from planbuilder.pdfcache import LayoutCancelled, LayoutPool, LayoutWorker
from planbuilder.render.layout import LayoutJob


def pages_job(folder: Path, pages: int, text: str = "page") -> LayoutJob:
    html = "".join(f"<p style='break-before: page'>{text} {n}</p>" for n in range(pages))
    return LayoutJob(html, str(folder), (str(folder),), ())


def test_a_worker_reports_each_page_and_returns_the_pdf(tmp_path):
    worker = LayoutWorker()
    try:
        pages: list[int] = []
        data = worker.run(pages_job(tmp_path, 3), pages.append)
        assert data.startswith(b"%PDF-") and pages == [1, 2, 3]
    finally:
        worker.close()


def test_cancel_ends_the_layout_under_way_and_the_next_job_gets_a_new_process(tmp_path):
    worker = LayoutWorker()
    started = threading.Event()
    outcome: list[object] = []

    def lay_out() -> None:
        try:
            outcome.append(worker.run(pages_job(tmp_path, 2000), lambda page: started.set()))
        except LayoutCancelled as exc:
            outcome.append(exc)

    thread = threading.Thread(target=lay_out)
    thread.start()
    try:
        assert started.wait(120)  # a first page is laid out: the layout is under way
        assert worker.cancel()
        thread.join(60)
        assert not thread.is_alive() and isinstance(outcome[0], LayoutCancelled)
        assert not worker.cancel()  # nothing under way any more
        assert worker.run(pages_job(tmp_path, 1)).startswith(b"%PDF-")
    finally:
        worker.cancel()
        thread.join(60)
        worker.close()


def test_a_pool_ends_a_layout_under_way_and_lays_out_the_others(tmp_path):
    pool = LayoutPool(2)
    started = threading.Event()
    try:
        long = pool.submit(pages_job(tmp_path, 2000), lambda page: started.set())
        short = pool.submit(pages_job(tmp_path, 2, "short"))
        assert started.wait(120)
        pool.cancel(long)
        with pytest.raises(LayoutCancelled):
            long.result(60)
        assert short.result(120).startswith(b"%PDF-")
    finally:
        pool.close(terminate=True)
