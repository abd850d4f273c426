"""``python -m synthgan`` (and ``torchrun -m synthgan``) runs the command line."""

from synthgan.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
