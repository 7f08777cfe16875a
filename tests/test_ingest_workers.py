"""Analysis runs in the extraction worker, under that worker's limits (issue 17)."""

from __future__ import annotations

from corpus.ingest import AnalysedDocument, AnalyseStep, Overrides
from extract import Failure, Limits, extract_file

REPORT = "杭州市2016年上半年信息消费示范城市建设进展情况.docx"


def test_worker_returns_the_analysed_document(samples):
    outcome = extract_file(
        samples / REPORT, Limits(), then=AnalyseStep(overrides=Overrides(year=2017))
    )
    assert isinstance(outcome, AnalysedDocument)
    assert (outcome.city, outcome.year, outcome.period) == ("杭州市", 2017, "H1")
    assert outcome.evidence["year"][0]["source"] == "option"
    assert len(outcome.analysis.passages) > 20
    assert all(p.words for p in outcome.analysis.passages if p.passage.text.strip())


def test_the_memory_limit_covers_the_analysis(samples):
    """Parsing fits in 150 MB; loading the models does not fit in 32 MB more: the file fails as
    a resource limit instead of the analysis escaping the limit."""
    tight = Limits(memory_bytes=150 * 2**20, analysis_memory_bytes=32 * 2**20)
    outcome = extract_file(samples / REPORT, tight, then=AnalyseStep())
    assert isinstance(outcome, Failure) and outcome.code == "resource limit", outcome
    assert isinstance(extract_file(samples / REPORT, tight), Failure) is False  # parsing alone fits


def _worker_pids(pool) -> list[int]:
    return sorted(w.proc.pid for w in pool.idle_workers())


def test_ingests_of_one_process_reuse_the_workers_and_their_models(store, samples, tmp_path):
    """A second ingest with the same settings borrows the first one's workers (models already
    loaded in them); other options get workers of their own, and only KEEP_IDLE idle pools stay."""
    from corpus import ingest
    from corpus.ingest import pools

    engine, data_dir, limits = store
    pools.close_all()
    names = sorted(p.name for p in samples.glob("*.docx"))[:4]
    assert len(names) == 4
    summary = ingest([samples / names[0]], engine=engine, data_dir=data_dir, limits=limits)
    assert summary.count("added") == 1
    [(key, first)] = list(pools._kept.items())
    pids = _worker_pids(first.pool)
    assert len(pids) == 1 and first.users == 0
    summary = ingest([samples / names[1]], engine=engine, data_dir=data_dir, limits=limits)
    assert summary.count("added") == 1
    assert pools._kept[key] is first and _worker_pids(first.pool) == pids
    for name, year in ((names[2], 2017), (names[3], 2018)):
        ingest(
            [samples / name],
            engine=engine,
            data_dir=data_dir,
            limits=limits,
            overrides=Overrides(year=year),
        )
    assert len(pools._kept) == pools.KEEP_IDLE and key not in pools._kept
    pools.close_all()
    assert pools._kept == {}


def test_a_model_made_current_meanwhile_gets_fresh_workers(store, samples):
    """Kept workers hold the models they loaded. When `infocity train` makes a new model current
    (the file replaced, as corpus.classifiers does), the next ingest must not be served by
    workers still holding the old one: it gets workers of its own."""
    import shutil

    from corpus import ingest
    from corpus.classifiers import CURRENT, models_dir
    from corpus.ingest import pools
    from tests.conftest import REPO

    engine, data_dir, limits = store
    pools.close_all()
    current = models_dir(data_dir) / CURRENT
    current.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / "classify/trained/areas.npz", current)
    names = sorted(p.name for p in samples.glob("*.docx"))[:3]
    ingest([samples / names[0]], engine=engine, data_dir=data_dir, limits=limits)
    [(key, first)] = list(pools._kept.items())
    pids = _worker_pids(first.pool)
    ingest([samples / names[1]], engine=engine, data_dir=data_dir, limits=limits)
    assert list(pools._kept) == [key]  # same model file: same workers
    tmp = current.with_name(".areas.npz.tmp")
    shutil.copyfile(REPO / "classify/trained/areas.npz", tmp)
    tmp.replace(current)  # a new current model, as `infocity train` installs it
    summary = ingest([samples / names[2]], engine=engine, data_dir=data_dir, limits=limits)
    assert summary.count("added") == 1
    [newest] = [kept for k, kept in pools._kept.items() if k != key]
    assert newest is not first and set(_worker_pids(newest.pool)).isdisjoint(pids)
    pools.close_all()


class _Marking:
    """A step that leaves a file named after its worker when it warms up."""

    def __init__(self, folder) -> None:
        self.folder = str(folder)

    def warm(self) -> None:
        import os
        from pathlib import Path

        (Path(self.folder) / f"warm-{os.getpid()}").touch()

    def __call__(self, doc):
        return doc


def _markers(folder, count: int) -> list:
    """The warm-up markers, once there are `count` of them (the workers start asynchronously)."""
    import time

    deadline = time.monotonic() + 120
    while len(found := sorted(folder.glob("warm-*"))) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def test_started_workers_warm_their_step_up_before_the_first_file(samples, tmp_path):
    """WorkerPool.start(n) starts workers up to n, each running its step's warm() at once (the
    models load while ingest still triages the batch); the first file then finds it loaded and
    the step is not sent again."""
    from extract.isolate import WorkerPool

    with WorkerPool(2, Limits(), then=_Marking(tmp_path)) as pool:
        pool.start(1)
        assert len(_markers(tmp_path, 1)) == 1 and len(_worker_pids(pool)) == 1
        pool.start(1)  # idempotent
        pool.start()
        assert len(_markers(tmp_path, 2)) == 2 and len(_worker_pids(pool)) == 2
        assert {p.name for p in tmp_path.glob("warm-*")} == {
            f"warm-{pid}" for pid in _worker_pids(pool)
        }
        outcome = pool.run(samples / REPORT)
        assert not isinstance(outcome, Failure) and outcome.blocks
        assert len(list(tmp_path.glob("warm-*"))) == 2


def test_a_warm_up_past_the_memory_limit_fails_the_first_file_as_a_resource_limit(samples):
    from extract.isolate import WorkerPool

    tight = Limits(memory_bytes=150 * 2**20, analysis_memory_bytes=32 * 2**20)
    with WorkerPool(1, tight, then=AnalyseStep()) as pool:
        pool.start()
        outcome = pool.run(samples / REPORT)
    assert isinstance(outcome, Failure) and outcome.code == "resource limit", outcome


def test_a_worker_applying_the_models_imports_neither_the_database_layer_nor_scikit_learn():
    """What a worker imports to run the analysis step is its start-up cost, paid by every worker
    (issue 17): the step, the models and the tokenisers, without sqlalchemy or scikit-learn."""
    import subprocess
    import sys

    code = (
        "import sys, pickle\n"
        "from corpus.ingest import AnalyseStep\n"
        "step = pickle.loads(pickle.dumps(AnalyseStep()))\n"
        "step.warm()\n"
        "heavy = sorted(m for m in ('sqlalchemy', 'sqlmodel', 'sklearn', 'scipy.stats') "
        "if m in sys.modules)\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
