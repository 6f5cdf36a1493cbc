"""The background warm-up stands aside while a training runs, and goes on once it has ended."""
import threading
import time

from explorer.train import compute as training
from explorer.warm import WarmUp

# what app.py passes: the Train tab's runs are what the warm-up stands aside for
TRAINING = dict(busy=training.active_runs, wait_idle=lambda s: training.wait_until_idle(timeout=s))


def test_warm_up_waits_while_a_training_runs_then_goes_on():
    ran: list[str] = []
    first_done = threading.Event()
    with training.running():  # a teacher clicked Train as the server started
        w = WarmUp(lambda: (ran.append("train"), first_done.set()),
                   [lambda: ran.append("filters"), lambda: ran.append("umap")], delay=0.0, **TRAINING)
        w.start()
        assert first_done.wait(5)  # what the training needs is not held back
        time.sleep(0.4)
        assert ran == ["train"] and training.active_runs() == 1
    w.join(timeout=5)
    assert ran == ["train", "filters", "umap"] and w.done == [-1, 0, 1]


def test_warm_up_gives_up_waiting_after_yield_s_and_stops_at_exit():
    ran: list[str] = []
    with training.running():
        w = WarmUp(lambda: None, [lambda: ran.append("a")], delay=0.0, yield_s=0.3, **TRAINING)
        w.start()
        w.join(timeout=5)
        assert ran == ["a"]  # a class that trains without pause still gets the other tabs warmed
    w = WarmUp(lambda: None, [lambda: ran.append("b")], delay=600.0)
    w.start()
    t0 = time.monotonic()
    w.end()
    assert not w.is_alive() and time.monotonic() - t0 < 5 and ran == ["a"]
