from functions.core.ratelimit import SlidingWindowLimiter


def test_window_slides_and_retry_after_counts_down() -> None:
    now = [1000.0]
    limiter = SlidingWindowLimiter(2, 60.0, clock=lambda: now[0])
    assert limiter.check("a").allowed
    now[0] += 10
    assert limiter.check("a").allowed
    denied = limiter.check("a")
    assert not denied.allowed and denied.retry_after_seconds == 50
    now[0] += 50.5
    assert limiter.check("a").allowed  # the first event left the window


def test_memory_is_bounded() -> None:
    now = [0.0]
    limiter = SlidingWindowLimiter(1, 60.0, max_keys=100, clock=lambda: now[0])
    for i in range(1000):
        limiter.check(f"k{i}")
    assert len(limiter._events) <= 100
