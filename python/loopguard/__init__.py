"""loopguard is a Rust binary; this package only locates it (``python -m loopguard``)."""

# Not imported from `__main__`: `python -m loopguard` would then find that module already
# imported and warn.
from loopguard._find import find_loopguard_bin

__all__ = ["find_loopguard_bin"]
