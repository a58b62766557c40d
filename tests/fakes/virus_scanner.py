"""A stand-in for a virus scanner such as ClamAV's clamdscan, for UPLOAD_SCAN_COMMAND.

Run as `python tests/fakes/virus_scanner.py [--log FILE] PATH`: exit 1 (infected) when the
file holds the EICAR test string, 2 (the scanner failed) when it holds BREAK-THE-SCANNER,
0 (clean) otherwise. With --log, the path it was given is appended to FILE, so a test can
check the file was written before it was read and deleted afterwards.
"""

import sys
from pathlib import Path

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def main(args: list[str]) -> int:
    if args[:1] == ["--log"]:
        with open(args[1], "a") as log:
            log.write(args[-1] + "\n")
        args = args[2:]
    data = Path(args[-1]).read_bytes()
    if EICAR in data:
        print(f"{args[-1]}: Eicar-Test-Signature FOUND")
        return 1
    if b"BREAK-THE-SCANNER" in data:
        print("ERROR: cannot connect to the scanning daemon", file=sys.stderr)
        return 2
    print(f"{args[-1]}: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
