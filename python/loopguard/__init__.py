"""loopguard is a Rust binary; this package only locates it (``python -m loopguard``)."""

from loopguard.__main__ import find_loopguard_bin

__all__ = ["find_loopguard_bin"]
