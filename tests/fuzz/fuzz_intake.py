"""Atheris fuzz target for photo intake: any bytes are processed or refused, never a crash.

    make fuzz   # pip-installs atheris, then runs this with -atheris_runs=20000

Seeded with small synthetic photos (JPEG with EXIF/GPS, progressive JPEG, PNG) so the fuzzer
starts from valid structure and mutates it.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from checkins.imaging import PhotoRejected, process_photo
    from checkins.imaging.synthetic import skin_photo, to_jpeg, to_png


def test_one_input(data: bytes) -> None:
    try:
        result = process_photo(data)
    except PhotoRejected:
        return
    if not (result.stored and result.display_jpeg and result.thumb_jpeg):
        raise AssertionError("an accepted photo must have all its renditions")


def _seed_corpus() -> list[bytes]:
    small = skin_photo(width=96, height=72, seed=7)
    return [
        to_jpeg(small, exif_orientation=6, with_gps=True),
        to_jpeg(small, progressive=True),
        to_png(small),
    ]


def main() -> None:
    seeds = _seed_corpus()
    counter = {"n": 0}

    def target(data: bytes) -> None:
        # Every fourth input is a seed with the fuzzer's bytes spliced in, so mutation reaches
        # past the signature check more often than random bytes would.
        counter["n"] += 1
        if counter["n"] % 4 == 0 and data:
            seed = seeds[data[0] % len(seeds)]
            cut = int.from_bytes(data[1:4].ljust(3, b"\0"), "big") % len(seed)
            data = seed[:cut] + data[4:] + seed[cut + len(data[4:]) :]
        test_one_input(data)

    atheris.Setup(sys.argv, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
