"""How a command's process is set up: one BLAS thread, and the collector left off what the imports built."""

import gc
import os
import subprocess
import sys

from transition_sim import forked, gcpause

PROBE = ("import os, transition_sim.cli, numpy, threadpoolctl; "
         "print(os.environ['OPENBLAS_NUM_THREADS'], "
         "max(p['num_threads'] for p in threadpoolctl.threadpool_info() if p['internal_api'] == 'openblas'))")


def probe(**env) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"} | env
    return subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True,
                          env=environ).stdout.split()


def test_the_command_plays_on_one_blas_thread_unless_told_otherwise():
    assert probe() == ["1", "1"]
    assert probe(OPENBLAS_NUM_THREADS="2") == ["2", "2"]


def test_what_an_import_built_is_left_out_of_later_collections():
    code = ("import gc; from transition_sim import gcpause; "
            "gcpause.imported(lambda: __import__('pandas')); "
            "print(gc.isenabled(), gc.get_freeze_count() > 10000)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True"]


def test_no_collection_walks_what_an_import_built():
    """The objects are frozen before the collector is on again: none is collected in between (one collection
    of everything pandas built took 0.08 s)."""
    code = ("import gc; from transition_sim import gcpause; seen = []; "
            "gc.callbacks.append(lambda phase, info: seen.append(info['generation']) if phase == 'start' else None); "
            "gcpause.imported(lambda: __import__('pandas')); print(len(seen), gc.get_count()[0] < 700)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0", "True"]


def test_nothing_is_frozen_where_the_import_had_been_done_already():
    frozen = gc.get_freeze_count()
    gcpause.imported(lambda: __import__("json"))
    assert gc.get_freeze_count() == frozen and gc.isenabled()


def test_a_forked_copy_leaves_the_parents_objects_to_the_parent():
    parent = gc.get_freeze_count()
    assert forked.start(gc.get_freeze_count).result() > parent + 1000
    assert gc.get_freeze_count() == parent
