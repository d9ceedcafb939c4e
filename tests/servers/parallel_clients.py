"""What the servers' check scripts (kvd-check.py, memcached-check.py) share:
loading a server from several client connections at once."""
import threading


def run_in_threads(work, count, timeout):
    """Run work(n) for n in 0..count-1, each in a thread of its own, and
    raise AssertionError naming every client that failed or whose thread
    did not finish within timeout seconds."""
    errors = []

    def guarded(n):
        try:
            work(n)
        except Exception as e:  # reported below, by the calling thread
            errors.append("client %d: %s" % (n, e))

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
        if t.is_alive():
            errors.append("a client thread did not finish")
    if errors:
        raise AssertionError("; ".join(errors))
