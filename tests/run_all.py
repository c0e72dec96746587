"""``make test``: every test, as ``python -m pytest`` runs them, on two cores at once.

The tutorial notebooks (``tests/test_tutorials.py``, about a third of the suite's time, each
notebook a long run of NumPy in one process) go to a second pytest process, beside the first,
which runs everything else; their report follows the first one's. On a machine with one core
it is ``python -m pytest`` itself. The exit status is 0 only when both pass.

    python tests/run_all.py [PYTEST_ARGS ...]     # the arguments go to both processes
"""
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOKS = "tests/test_tutorials.py"


def main(argv=None):
    args = list(sys.argv[1:] if argv is None else argv)
    pytest = [sys.executable, "-m", "pytest"]
    if (os.cpu_count() or 1) < 2:
        return subprocess.call(pytest + args, cwd=ROOT)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        # the notebooks' process keeps no cache: the two processes never write one file
        beside = subprocess.Popen(pytest + ["-p", "no:cacheprovider", NOTEBOOKS] + args,
                                  cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            rest = subprocess.call(pytest + [f"--ignore={NOTEBOOKS}"] + args, cwd=ROOT)
            notebooks = beside.wait()
        finally:
            if beside.poll() is None:           # stopped (Ctrl-C): end the other one too
                beside.kill()
                beside.wait()
        log.seek(0)
        print(f"\n--- {NOTEBOOKS}, run beside the tests above ---", flush=True)
        sys.stdout.write(log.read())
    return rest or notebooks


if __name__ == "__main__":
    sys.exit(main())
