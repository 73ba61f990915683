"""``python -m loopguard``: runs the binary the wheel installed into the scripts directory."""

import os
import sys

from loopguard._find import find_loopguard_bin


def main() -> None:
    loopguard = find_loopguard_bin()
    if sys.platform == "win32":
        import subprocess

        sys.exit(subprocess.call([loopguard, *sys.argv[1:]]))
    os.execvp(loopguard, [loopguard, *sys.argv[1:]])


if __name__ == "__main__":
    main()
