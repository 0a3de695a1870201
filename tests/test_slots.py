import threading

import pytest

from explorer.slots import TrainerSlots


def test_capacity_sessions_train_and_the_rest_wait_in_order():
    slots = TrainerSlots(2)
    assert slots.request("a", now=0).training and slots.request("b", now=0).training
    waiting = [slots.request(name, now=0) for name in ("c", "d")]
    assert [(s.training, s.place_in_line) for s in waiting] == [(False, 1), (False, 2)]
    assert slots.training_sessions() == 2


def test_a_released_slot_goes_to_the_next_in_line():
    slots = TrainerSlots(1)
    slots.request("a", now=0)
    assert not slots.request("b", now=0).training
    slots.release("a")
    assert slots.request("b", now=1).training
    slots.release("not-in-line")  # harmless


def test_a_silent_holder_loses_its_slot_so_a_closed_tab_cannot_block_the_class():
    slots = TrainerSlots(1, idle_seconds=5)
    slots.request("gone", now=0)
    assert not slots.request("b", now=3).training
    assert slots.request("b", now=6).training  # "gone" has not asked for 6 s


def test_asking_again_keeps_a_place():
    slots = TrainerSlots(1, idle_seconds=5)
    for tick in range(0, 20, 2):
        assert slots.request("a", now=tick).training
        assert not slots.request("b", now=tick).training


@pytest.mark.parametrize("capacity", [0, -1, 1.5, True])
def test_bad_capacity_is_refused(capacity):
    with pytest.raises(ValueError, match="capacity"):
        TrainerSlots(capacity)


def test_many_threads_never_exceed_the_capacity():
    slots = TrainerSlots(3)
    seen = []
    lock = threading.Lock()

    def student(name):
        for _ in range(200):
            status = slots.request(name)
            with lock:
                seen.append(slots.training_sessions())
            if status.training:
                slots.release(name)

    threads = [threading.Thread(target=student, args=(f"s{i}",)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert max(seen) <= 3


def test_the_cap_comes_from_the_environment(monkeypatch):
    from explorer.runtime import DEFAULT_TRAINERS, TRAINERS_ENV, max_trainers

    monkeypatch.setenv(TRAINERS_ENV, "5")
    assert max_trainers() == 5
    for bad in ("0", "-1", "many", ""):
        monkeypatch.setenv(TRAINERS_ENV, bad)
        assert max_trainers() == DEFAULT_TRAINERS


def test_threads_share_the_cores_among_the_trainers(monkeypatch):
    from explorer import runtime

    monkeypatch.delenv(runtime.THREADS_ENV, raising=False)
    monkeypatch.setattr(runtime.os, "cpu_count", lambda: 2)
    monkeypatch.setenv(runtime.TRAINERS_ENV, "2")
    assert runtime.default_threads() == 1
    monkeypatch.setattr(runtime.os, "cpu_count", lambda: 16)
    assert runtime.default_threads() == 2
    monkeypatch.setenv(runtime.THREADS_ENV, "3")
    assert runtime.default_threads() == 3


def test_tidy_memory_frees_a_picture_left_in_a_reference_cycle():
    import gc
    import weakref

    import numpy as np

    from explorer import runtime

    class Holder:  # like a closed session's page namespace: it refers to itself
        pass

    holder = Holder()
    holder.me = holder
    holder.picture = np.zeros((1024, 1024, 3), np.uint8)
    alive = weakref.ref(holder)
    gc.disable()  # so that no automatic collection gets there first
    try:
        del holder
        assert alive() is not None  # reference counting alone cannot free a cycle
        assert runtime.tidy_memory() >= 0
        assert alive() is None
    finally:
        gc.enable()


def test_the_memory_tidier_needs_a_positive_interval():
    from explorer import runtime

    with pytest.raises(ValueError, match="positive"):
        runtime.start_memory_tidier(0)
