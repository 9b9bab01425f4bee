"""Run inside the metrics server's container: every whisper file carbon-cache wrote, as one JSON object.

``python3 whisper_dump.py FROM UNTIL`` (Unix seconds) prints ``{"<graphite name>": [[ts, value], ...]}`` for
the points in that window, read with python3-whisper's ``whisper.fetch`` (what ``whisper-fetch`` calls). A
point is one statsd flush (one second); seconds without a flush are left out.
"""

import json
import os
import sys

import whisper

ROOT = "/var/lib/graphite/whisper"


def main(since, until):
    out = {}
    for folder, _, files in os.walk(ROOT):
        for name in files:
            if not name.endswith(".wsp"):
                continue
            path = os.path.join(folder, name)
            metric = os.path.relpath(path, ROOT)[: -len(".wsp")].replace(os.sep, ".")
            (start, _, step), values = whisper.fetch(path, since, until)
            out[metric] = [[start + i * step, v] for i, v in enumerate(values) if v is not None]
    print("WHISPER " + json.dumps(out))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
